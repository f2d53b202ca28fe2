namespace Rlrun.UnitTests;
