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

    /// <summary>A warning said once per state root, not on every create (podman creates often):
    /// a marker file in the root remembers it was said. --debug says it every time.</summary>
    public void WarnOnce(string message)
    {
        string marker = Path.Join(Root, $".warned-{StableHash(message):x8}");
        if (File.Exists(marker)) { Log.Debug(message); return; }
        Log.Warn(message);
        try
        {
            Directory.CreateDirectory(Root);
            File.WriteAllText(marker, message + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    // FNV-1a: string.GetHashCode differs from one process to the next.
    static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) { h ^= c; h *= 16777619; }
        return h;
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
