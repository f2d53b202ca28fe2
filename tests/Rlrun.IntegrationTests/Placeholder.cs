namespace Rlrun.IntegrationTests;
