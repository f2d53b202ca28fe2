using System.Globalization;
using Rlrun.Systemd.Interop;

namespace Rlrun.Systemd;

/// <summary>
/// The uid claimed in D-Bus's AUTH EXTERNAL. The bus daemon (or systemd's private socket) checks
/// it against the peer credentials the kernel hands it, translated into the daemon's user
/// namespace; inside a user namespace (rootless podman runs the runtime as uid 0 there) that is
/// the uid our namespace maps ours to, not geteuid(). (sd-bus sidestepped this with an empty
/// EXTERNAL response; Tmds.DBus.Protocol always sends a uid.)
/// </summary>
internal static class BusUserId
{
    public static string Current() => Map(Libc.geteuid(), ReadUidMap()).ToString(CultureInfo.InvariantCulture);

    /// <summary>euid as the parent namespace sees it, through uidMap ("inside outside count"
    /// lines); euid itself when the map is unknown or has no line for it.</summary>
    internal static uint Map(uint euid, string? uidMap)
    {
        if (uidMap is null) return euid;
        foreach (var line in uidMap.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 3 ||
                !uint.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var inside) ||
                !uint.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var outside) ||
                !uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)) continue;
            if (euid >= inside && (ulong)euid < (ulong)inside + count) return outside + (euid - inside);
        }
        return euid;
    }

    internal static string? ReadUidMap()
    {
        try { return File.ReadAllText("/proc/self/uid_map"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
