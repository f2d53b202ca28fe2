using Rlrun.Runtime.State;

namespace Rlrun.Cli;

/// <summary>What every subcommand gets: the global options, parsed.</summary>
public sealed class CommandContext(string root, RuntimeLog log, string cgroupManager, RlrunSettings? settings = null)
{
    /// <summary>rlrun.json, RLRUN_* and flags, merged.</summary>
    public RlrunSettings Settings { get; } = settings ?? RlrunSettings.Load(new Dictionary<string, string?>());

    public string Root { get; } = root;
    public RuntimeLog Log { get; } = log;
    public StateStore Store { get; } = new(root);
    /// <summary>--cgroup-manager (or --systemd-cgroup, RLRUN_CGROUP_MANAGER): systemd, cgroupfs, disabled, auto.</summary>
    public string CgroupManager { get; } = cgroupManager;

    /// <summary>A warning said once per state root (<see cref="WarnedOnce"/>); --debug says it every time.</summary>
    public void WarnOnce(string message)
    {
        if (new WarnedOnce(Root).First(message)) Log.Warn(message);
        else Log.Debug(message);
    }
}

/// <summary>One subcommand: its flags, its usage line, and what it does (src/Cli/Commands/).</summary>
public interface ICommand
{
    string Name { get; }
    string Usage { get; }
    string Summary { get; }
    IReadOnlyList<Flag> Flags { get; }
    int Run(CommandContext ctx, ParsedArgs args);

    /// <summary>Whether rlrun stays to forward signals to the container's process (a foreground
    /// run or exec): then it forwards them whatever dispositions it inherited.</summary>
    bool ForwardsSignals(ParsedArgs args) => false;
}
