using Microsoft.Win32.SafeHandles;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>HOME for a process.env without one, as runc sets it: the home field of the first entry
/// for process.user.uid in the container's /etc/passwd, else "/".</summary>
public static class HomeDirectory
{
    const int MaxPasswdBytes = 4 << 20;

    /// <summary>ENV with HOME=... added when it has no HOME or an empty one (runc tests os.Getenv("HOME") == "").</summary>
    public static List<string> WithHome(IReadOnlyList<string>? env, uint uid, Func<string?> readPasswd)
    {
        var result = new List<string>(env ?? []);
        static bool IsHome(string e) => e.StartsWith("HOME=", StringComparison.Ordinal);
        // The last HOME counts, as when runc sets process.env one by one.
        if (result.LastOrDefault(IsHome) is { Length: > 5 }) return result;
        result.RemoveAll(IsHome);
        result.Add($"HOME={HomeOf(uid, readPasswd())}");
        return result;
    }

    /// <summary>The home of UID in passwd text (name:password:uid:gid:gecos:home:shell), or "/".</summary>
    public static string HomeOf(uint uid, string? passwd)
    {
        foreach (var line in (passwd ?? "").Split('\n'))
        {
            var f = line.TrimEnd('\r').Split(':');
            if (f.Length >= 6 && uint.TryParse(f[2], out uint u) && u == uid) return f[5];
        }
        return "/";
    }

    /// <summary>The container's /etc/passwd (we are inside its root), or null when it cannot be read.
    /// Opened non-blocking and read only if regular, so a fifo an image put there cannot hang the init.</summary>
    public static string? ReadPasswd(string path = "/etc/passwd")
    {
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0) return null;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (FileCalls.fstat(fd, out var st) < 0 || (st.st_mode & FileCalls.S_IFMT) != FileCalls.S_IFREG || st.st_size > MaxPasswdBytes)
            return null;
        try
        {
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException) { return null; }
    }
}
