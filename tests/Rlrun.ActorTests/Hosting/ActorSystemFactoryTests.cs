using Akka.Actor;
using Akka.Event;
using Rlrun.Actors;
using Xunit;

namespace Rlrun.ActorTests.Hosting;

public sealed class ActorSystemFactoryTests
{
    [Fact]
    public void Without_a_log_callback_the_log_is_off_and_no_logger_is_configured()
    {
        var config = ActorSystemFactory.BuildConfig();
        Assert.Equal("OFF", config.GetString("akka.loglevel"));
        Assert.Equal("OFF", config.GetString("akka.stdout-loglevel"));
        Assert.Empty(config.GetStringList("akka.loggers"));
        // Akka's reference configuration is the fallback: what it defines is still there.
        Assert.False(string.IsNullOrEmpty(config.GetString("akka.actor.default-dispatcher.type")));
    }

    [Fact]
    public async Task The_log_goes_to_the_callback_from_the_minimum_level_up()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<ActorLogLine>();
        using var system = ActorSystemFactory.Create("log-test", new ActorSystemSettings { Log = lines.Enqueue, MinimumLevel = LogLevel.WarningLevel });

        system.Log.Info("not this");
        system.Log.Warning("disk {0} is full", "/var");
        system.Log.Error("and this");

        for (int i = 0; i < 100 && lines.Count < 2; i++) await Task.Delay(20);
        Assert.Equal([(LogLevel.WarningLevel, "disk /var is full"), (LogLevel.ErrorLevel, "and this")],
            lines.Select(l => (l.Level, l.Message)));
        await system.Terminate();
    }

    [Fact]
    public async Task The_system_runs_a_container_actor_on_the_real_scheduler()
    {
        using var root = new Support.TempDir();
        var driver = new Support.FakeContainerDriver(root.Path) { ExitOnStart = (_, n) => n == 1 ? 1 : null };
        using var system = ActorSystemFactory.Create();
        var fast = new RestartBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        var supervisor = system.ActorOf(ContainerSupervisor.Props(driver, new SupervisionStore(root.Path), new SupervisionOptions(fast, TimeSpan.FromSeconds(1))));

        await supervisor.Ask<ContainerSnapshot>(new Create(new ContainerSpec("web", "/b"), RestartPolicy.OnFailure()), TimeSpan.FromSeconds(5));
        await supervisor.Ask<ContainerSnapshot>(new Start("web"), TimeSpan.FromSeconds(5));

        ContainerSnapshot status = null!;
        for (int i = 0; i < 100; i++)
        {
            status = await supervisor.Ask<ContainerSnapshot>(new GetStatus("web"), TimeSpan.FromSeconds(5));
            if (status is { State: LifecycleState.Running, RestartCount: 1 }) break;
            await Task.Delay(20);
        }
        Assert.Equal((LifecycleState.Running, 1, 1), (status.State, status.RestartCount, status.LastExitCode));
        Assert.Equal(2, driver.Starts("web"));
        await system.Terminate();
    }
}
