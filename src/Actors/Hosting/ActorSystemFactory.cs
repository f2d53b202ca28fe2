using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;

namespace Rlrun.Actors;

/// <summary>One line of the actor system's own log, for the host to print or drop.</summary>
public sealed record ActorLogLine(LogLevel Level, string Source, string Message, Exception? Cause);

public sealed record ActorSystemSettings
{
    /// <summary>Where the actor system's log goes; null: nowhere (the log level is OFF).</summary>
    public Action<ActorLogLine>? Log { get; init; }

    public LogLevel MinimumLevel { get; init; } = LogLevel.WarningLevel;

    /// <summary>HOCON that takes precedence over rlrun's (tests: the TestKit's scheduler).</summary>
    public string? ExtraHocon { get; init; }
}

/// <summary>Creates the actor system from an explicit configuration. ActorSystem.Create(name) alone
/// reads App.config through System.Configuration, which fails under NativeAOT; with a Config given,
/// only Akka's embedded reference configuration is read. No logger actors are named by type in the
/// configuration (each would be found by reflection): the log goes to a callback, or nowhere.</summary>
public static class ActorSystemFactory
{
    public const string DefaultName = "rlrun";

    const string BaseHocon = """
        akka {
          stdout-loglevel = OFF
          loggers = []
          log-config-on-start = off
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          actor {
            provider = "Akka.Actor.LocalActorRefProvider, Akka"
            serialize-messages = off
            serialize-creators = off
          }
          # The host (rlrun run, rlrun daemon) owns SIGTERM and the process exit, and terminates the
          # system itself.
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """;

    public static Config BuildConfig(ActorSystemSettings? settings = null)
    {
        settings ??= new ActorSystemSettings();
        string level = settings.Log is null ? "OFF" : LevelName(settings.MinimumLevel);
        var config = ConfigurationFactory.ParseString($"akka.loglevel = {level}\n{BaseHocon}");
        if (!string.IsNullOrWhiteSpace(settings.ExtraHocon)) config = ConfigurationFactory.ParseString(settings.ExtraHocon).WithFallback(config);
        return config.WithFallback(ConfigurationFactory.Default());
    }

    public static ActorSystem Create(string name = DefaultName, ActorSystemSettings? settings = null)
    {
        settings ??= new ActorSystemSettings();
        var system = ActorSystem.Create(name, BuildConfig(settings));
        if (settings.Log is { } log) ForwardLog(system, log, settings.MinimumLevel);
        return system;
    }

    /// <summary>Subscribes a forwarder to the log events at and above the level; the actor system
    /// publishes them on its EventStream whatever the loggers are.</summary>
    public static IActorRef ForwardLog(ActorSystem system, Action<ActorLogLine> log, LogLevel minimum)
    {
        var forwarder = ((ExtendedActorSystem)system).SystemActorOf(Props.CreateBy(new LogForwarder.Producer(log)), "rlrun-log");
        foreach (var level in new[] { LogLevel.DebugLevel, LogLevel.InfoLevel, LogLevel.WarningLevel, LogLevel.ErrorLevel })
            if (level >= minimum) system.EventStream.Subscribe(forwarder, Logging.ClassFor(level));
        return forwarder;
    }

    static string LevelName(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => "DEBUG",
        LogLevel.InfoLevel => "INFO",
        LogLevel.WarningLevel => "WARNING",
        LogLevel.ErrorLevel => "ERROR",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level.ToString()),
    };

    sealed class LogForwarder(Action<ActorLogLine> log) : ActorBase
    {
        protected override bool Receive(object message)
        {
            if (message is not LogEvent e) return false;
            string text = Convert.ToString(e.Message, CultureInfo.InvariantCulture) ?? "";
            try { log(new ActorLogLine(e.LogLevel(), e.LogSource, text, e.Cause)); }
            catch (Exception) { } // a failing log callback must not take the actor system's log down with it
            return true;
        }

        public sealed class Producer(Action<ActorLogLine> log) : IIndirectActorProducer
        {
            public Type ActorType => typeof(LogForwarder);
            public ActorBase Produce() => new LogForwarder(log);
            public void Release(ActorBase actor) { }
        }
    }
}
