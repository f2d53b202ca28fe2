using Rlrun.Actors;

namespace Rlrun.Supervisor;

/// <summary>What rlrun passes: --root R --cgroup-manager M --restart P [--restart-delay D]
/// [--restart-max-delay D] [--restart-reset-after D] [--no-pivot] [--debug] --bundle B ID.</summary>
public sealed record RunArgs(string Root, string Id, ContainerSpec Spec, RestartPolicy Policy, RestartBackoff Backoff, bool Debug)
{
    public static RunArgs Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>();
        var flags = new HashSet<string>();
        string? id = null;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a is "--no-pivot" or "--debug") { flags.Add(a[2..]); continue; }
            if (a.StartsWith("--"))
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"flag needs an argument: {a}");
                values[a[2..]] = args[++i];
                continue;
            }
            id = id is null ? a : throw new ArgumentException($"unexpected argument \"{a}\"");
        }
        if (id is null) throw new ArgumentException("\"run\" requires a container id");
        string root = values.GetValueOrDefault("root") ?? Rlrun.Runtime.State.StateStore.DefaultRoot();
        var policy = RestartPolicy.Parse(values.GetValueOrDefault("restart") ?? "no");
        var d = RestartBackoff.Default;
        var backoff = new RestartBackoff(
            values.TryGetValue("restart-delay", out var v1) ? TimeSpan.FromMilliseconds(double.Parse(v1)) : d.Initial,
            values.TryGetValue("restart-max-delay", out var v2) ? TimeSpan.FromMilliseconds(double.Parse(v2)) : d.Max,
            values.TryGetValue("restart-reset-after", out var v3) ? TimeSpan.FromMilliseconds(double.Parse(v3)) : d.ResetAfter);
        var spec = new ContainerSpec(id, Path.GetFullPath(values.GetValueOrDefault("bundle") ?? "."), flags.Contains("no-pivot"),
            values.GetValueOrDefault("cgroup-manager") ?? "auto", values.GetValueOrDefault("pid-file"), flags.Contains("debug"));
        return new RunArgs(root, id, spec, policy, backoff, flags.Contains("debug"));
    }
}
