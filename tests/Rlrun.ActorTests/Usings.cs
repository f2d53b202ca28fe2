// Akka.Actor has a Kill message of its own (it kills the actor); ours signals the container.
global using Kill = Rlrun.Actors.Kill;
global using Xunit;
