using Rlrun.Actors;
using Rlrun.Runtime.Network;

namespace Rlrun.Supervisor;

/// <summary>What rlrun passes: --root R --cgroup-manager M --restart P [--restart-delay D]
/// [--restart-max-delay D] [--restart-reset-after D] [--no-pivot] [--debug] [--network N
/// [--publish P]... [--dns IP]... [--add-host H:IP]...] --bundle B ID.</summary>
public sealed record RunArgs(string Root, string Id, ContainerSpec Spec, RestartPolicy Policy, RestartBackoff Backoff, bool Debug)
{
    static readonly string[] Repeatable = ["publish", "dns", "add-host"];

    public static RunArgs Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>();
        var lists = Repeatable.ToDictionary(r => r, _ => new List<string>());
        var flags = new HashSet<string>();
        string? id = null;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a is "--no-pivot" or "--debug") { flags.Add(a[2..]); continue; }
            if (a.StartsWith("--"))
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"flag needs an argument: {a}");
                if (lists.TryGetValue(a[2..], out var list)) list.Add(args[++i]);
                else values[a[2..]] = args[++i];
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
        NetworkArgs? network = null;
        if (values.TryGetValue("network", out var mode))
        {
            network = new NetworkArgs(mode, NullIfEmpty(lists["publish"]), NullIfEmpty(lists["dns"]), NullIfEmpty(lists["add-host"]));
            network.ToRequest(); // its errors before anything starts
        }
        else if (lists.Values.Any(l => l.Count > 0)) throw new ArgumentException("--publish, --dns and --add-host need --network");
        var spec = new ContainerSpec(id, Path.GetFullPath(values.GetValueOrDefault("bundle") ?? "."), flags.Contains("no-pivot"),
            values.GetValueOrDefault("cgroup-manager") ?? "auto", values.GetValueOrDefault("pid-file"), flags.Contains("debug"), network);
        return new RunArgs(root, id, spec, policy, backoff, flags.Contains("debug"));
    }

    static List<string>? NullIfEmpty(List<string> l) => l.Count > 0 ? l : null;
}
