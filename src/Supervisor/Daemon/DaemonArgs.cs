using System.Globalization;
using Rlrun.Actors;

namespace Rlrun.Supervisor.Daemon;

/// <summary>What `rlrun daemon` passes: --root R --cgroup-manager M [--restart-delay MS]
/// [--restart-max-delay MS] [--restart-reset-after MS] [--log-max-size BYTES] [--log-max-files N] [--debug].</summary>
public sealed record DaemonArgs(string Root, string CgroupManager, RestartBackoff Backoff, long LogMaxSize, int LogMaxFiles, bool Debug)
{
    public static DaemonArgs Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>();
        bool debug = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--debug") { debug = true; continue; }
            if (!a.StartsWith("--")) throw new ArgumentException($"daemon: unexpected argument \"{a}\"");
            if (i + 1 >= args.Count) throw new ArgumentException($"daemon: flag needs an argument: {a}");
            values[a[2..]] = args[++i];
        }
        var d = RestartBackoff.Default;
        TimeSpan Ms(string key, TimeSpan fallback) =>
            values.TryGetValue(key, out var v) ? TimeSpan.FromMilliseconds(double.Parse(v, CultureInfo.InvariantCulture)) : fallback;
        return new DaemonArgs(
            Path.GetFullPath(values.GetValueOrDefault("root") ?? Rlrun.Runtime.State.StateStore.DefaultRoot()),
            values.GetValueOrDefault("cgroup-manager") ?? "auto",
            new RestartBackoff(Ms("restart-delay", d.Initial), Ms("restart-max-delay", d.Max), Ms("restart-reset-after", d.ResetAfter)),
            values.TryGetValue("log-max-size", out var size) ? long.Parse(size, CultureInfo.InvariantCulture) : 10 << 20,
            values.TryGetValue("log-max-files", out var files) ? int.Parse(files, CultureInfo.InvariantCulture) : 3,
            debug);
    }
}
