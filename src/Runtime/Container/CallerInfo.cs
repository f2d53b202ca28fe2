using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Container;

/// <summary>Who is running rlrun, as the ID mapping decisions need it.</summary>
public static class CallerInfo
{
    public static Caller Detect(bool needRanges = true)
    {
        uint euid = ProcessCalls.geteuid(), egid = ProcessCalls.getegid();
        string? name = UserName(euid);
        bool foreign = InForeignUserNamespace();
        bool helpers = IdMapWriter.FindHelper("newuidmap") is not null && IdMapWriter.FindHelper("newgidmap") is not null;
        var subUids = needRanges && euid != 0 ? SubordinateIds.Read("/etc/subuid", name, euid) : [];
        var subGids = needRanges && euid != 0 ? SubordinateIds.Read("/etc/subgid", name, euid) : [];
        return new Caller(euid, egid, name, foreign, subUids, subGids, helpers, foreign ? EnclosingUserNamespace.Read() : null);
    }

    /// <summary>The initial user namespace maps all 2^32-1 IDs onto themselves.</summary>
    public static bool InForeignUserNamespace()
    {
        try { return File.ReadAllText("/proc/self/uid_map").Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries) is not ["0", "0", "4294967295"]; }
        catch (IOException) { return false; }
    }

    public static string? UserName(uint uid)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length > 2 && f[2] == uid.ToString()) return f[0];
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
