using System.Text.RegularExpressions;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Network;

/// <summary>ns:PATH for a rootless container. setns into a network namespace needs CAP_SYS_ADMIN in
/// the user namespace that owns it, which a container's own new user namespace never has over
/// another's (a sibling). So, as container:ID does and as rootless podman's one user namespace
/// does, the container joins the owner's user namespace: /proc/PID/ns/user of PATH's PID, or of
/// another process of the caller's in that user namespace.</summary>
public static partial class NamespaceOwner
{
    const ulong NS_GET_USERNS = 0xb701; // _IO(0xb7, 0x1), linux/nsfs.h

    /// <summary>A path to join for PATH's owning user namespace; null when it is the caller's own
    /// (nothing to join: a container without a new user namespace can enter it as it is).</summary>
    /// <exception cref="ArgumentException">the owner cannot be found or PATH is no network namespace</exception>
    public static unsafe string? UserNamespaceToJoin(string netnsPath)
    {
        int fd = Libc.open(netnsPath, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new ArgumentException($"--network ns:{netnsPath}: {Libc.StrError(Libc.LastErrno)}");
        string owner;
        try
        {
            int user = SocketCalls.ioctl(fd, NS_GET_USERNS, null);
            if (user < 0)
                throw new ArgumentException($"--network ns:{netnsPath}: not a namespace file (ioctl NS_GET_USERNS: {Libc.StrError(Libc.LastErrno)})");
            try { owner = new FileInfo($"/proc/self/fd/{user}").LinkTarget ?? ""; }
            finally { Libc.close(user); }
        }
        finally { Libc.close(fd); }
        if (owner == new FileInfo("/proc/self/ns/user").LinkTarget) return null;
        if (ProcNsPath().Match(netnsPath) is { Success: true } m && UserNsOf(m.Groups[1].Value) == owner)
            return $"/proc/{m.Groups[1].Value}/ns/user";
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string pid = Path.GetFileName(dir);
            if (pid.All(char.IsAsciiDigit) && UserNsOf(pid) == owner) return $"/proc/{pid}/ns/user";
        }
        throw new ArgumentException($"--network ns:{netnsPath}: it belongs to user namespace {owner}, which no process of yours is in: a rootless container joins the network namespace through it");
    }

    static string? UserNsOf(string pid)
    {
        try { return new FileInfo($"/proc/{pid}/ns/user").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    [GeneratedRegex("^/proc/([0-9]+)/ns/net$")]
    private static partial Regex ProcNsPath();
}
