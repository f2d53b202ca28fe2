using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Cgroups;

/// <summary>What a container's cgroup is used for after create, whoever made it: freeze and thaw
/// (cgroup.freeze), kill (cgroup.kill), listing (cgroup.procs), removal.</summary>
public static class CgroupControl
{
    public static bool Exists(string dir) => Directory.Exists(dir);

    /// <summary>Writes linux.resources into an existing cgroup, the controllers they need enabled
    /// in its parent first (update, and what systemd has no property for); a value at the kernel's
    /// default needs no controller.</summary>
    public static void WriteResources(string dir, Spec.SpecResources? resources)
    {
        string parent = Path.GetDirectoryName(dir)!;
        var writes = CgroupfsManager.ApplicableWrites(parent, resources);
        CgroupfsManager.EnableControllers(parent, ResourceFiles.Controllers(writes));
        foreach (var w in writes) CgroupV2.Write(dir, w.File, w.Value);
    }

    public static bool IsFrozen(string dir)
    {
        try { return CgroupV2.Read(dir, "cgroup.events").Split('\n').Any(l => l.Trim() == "frozen 1"); }
        catch (IOException) { return false; }
    }

    /// <summary>Writes cgroup.freeze and waits (bounded) until cgroup.events says it is done.</summary>
    public static void SetFrozen(string dir, bool frozen)
    {
        CgroupV2.Write(dir, "cgroup.freeze", frozen ? "1" : "0");
        var deadline = Environment.TickCount64 + 5000;
        while (IsFrozen(dir) != frozen)
        {
            if (Environment.TickCount64 > deadline) throw new CgroupException($"{dir}: the cgroup did not {(frozen ? "freeze" : "thaw")} within 5s");
            Thread.Sleep(2);
        }
    }

    /// <summary>Signals every process; SIGKILL through cgroup.kill where the kernel has it (5.14).</summary>
    public static void Signal(string dir, int signal)
    {
        if (signal == 9 && File.Exists(Path.Join(dir, "cgroup.kill")))
        {
            CgroupV2.Write(dir, "cgroup.kill", "1");
            return;
        }
        foreach (int pid in CgroupV2.Procs(dir)) ProcessCalls.kill(pid, signal);
    }

    /// <summary>Kills what is left, waits for it to go, removes the directory (children first).</summary>
    public static void Remove(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var child in Directory.EnumerateDirectories(dir)) Remove(child);
        if (CgroupV2.Procs(dir).Count > 0)
        {
            if (IsFrozen(dir)) CgroupV2.Write(dir, "cgroup.freeze", "0");
            Signal(dir, 9);
        }
        var deadline = Environment.TickCount64 + 5000;
        while (true)
        {
            if (Libc.rmdir(dir) == 0 || Libc.LastErrno == Libc.ENOENT) return;
            if (Libc.LastErrno != Libc.EBUSY || Environment.TickCount64 > deadline)
                throw new CgroupException($"rmdir {dir}: {Libc.StrError(Libc.LastErrno)}");
            Thread.Sleep(5);
        }
    }
}
