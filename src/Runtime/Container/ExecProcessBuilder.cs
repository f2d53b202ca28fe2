using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Container;

/// <summary>The process `exec` runs: process.json as given (-p), or the container's own process
/// with the command line's args and overrides, as runc builds it.</summary>
public static class ExecProcessBuilder
{
    public static SpecProcess Build(ExecOptions o, SpecProcess? containerProcess)
    {
        SpecProcess p;
        if (o.ProcessFile is { } file)
        {
            byte[] json;
            try { json = File.ReadAllBytes(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SpecError($"--process {file}: {e.Message}"); }
            // By hand, not through System.Text.Json: its first use builds the type's metadata by
            // reflection in a NativeAOT process, paid by every CRI ExecSync and `podman exec`.
            p = SpecLoader.ParseProcess(json, file);
        }
        else
        {
            if (o.Args.Count == 0) throw new ArgumentException("exec: a command to run is required (or --process FILE)");
            var c = containerProcess ?? new SpecProcess();
            p = new SpecProcess
            {
                Args = [.. o.Args], Env = c.Env is null ? null : [.. c.Env], Cwd = c.Cwd,
                User = new SpecUser { Uid = c.User.Uid, Gid = c.User.Gid, Umask = c.User.Umask, AdditionalGids = c.User.AdditionalGids },
                Capabilities = c.Capabilities, NoNewPrivileges = c.NoNewPrivileges, Rlimits = c.Rlimits,
                ApparmorProfile = c.ApparmorProfile, Terminal = o.Tty,
            };
        }
        if (o.Cwd is { } cwd) p.Cwd = cwd;
        if (o.Env is { Count: > 0 } env) p.Env = [.. p.Env ?? [], .. env];
        if (o.User is { } user)
        {
            var parts = user.Split(':', 2);
            if (!uint.TryParse(parts[0], out uint uid) || (parts.Length > 1 && !uint.TryParse(parts[1], out _)))
                throw new ArgumentException($"--user \"{user}\": expected UID[:GID] as numbers");
            p.User.Uid = uid;
            p.User.Gid = parts.Length > 1 ? uint.Parse(parts[1]) : p.User.Gid;
        }
        if (o.AdditionalGids is { Count: > 0 } gids) p.User.AdditionalGids = [.. p.User.AdditionalGids ?? [], .. gids];
        if (o.Caps is { Count: > 0 } caps)
        {
            // runc's rule (CVE-2022-29162): --cap goes to bounding, effective and permitted, and to
            // ambient only when there is an inheritable set; never into inheritable itself.
            var c = p.Capabilities;
            var added = caps.Select(cap => cap.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? cap.ToUpperInvariant() : "CAP_" + cap.ToUpperInvariant()).ToList();
            static List<string> With(List<string>? set, List<string> more) => [.. (set ?? []).Union(more)];
            p.Capabilities = new SpecCapabilities
            {
                Bounding = With(c?.Bounding, added), Effective = With(c?.Effective, added), Permitted = With(c?.Permitted, added),
                Inheritable = c?.Inheritable is null ? null : [.. c.Inheritable],
                Ambient = c?.Inheritable is not null ? With(c.Ambient, added) : c?.Ambient is null ? null : [.. c.Ambient],
            };
        }
        if (o.NoNewPrivs) p.NoNewPrivileges = true;
        if (p.Args is not { Count: > 0 } || string.IsNullOrEmpty(p.Args[0])) throw new SpecError("exec: process.args must name the program to run");
        if (!p.Cwd.StartsWith('/')) throw new SpecError($"exec: process.cwd must be an absolute path, got \"{p.Cwd}\"");
        return p;
    }
}
