using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.IdMapping;

/// <summary>Writes a process's uid_map and gid_map: through the setuid helpers newuidmap and
/// newgidmap when the maps need subordinate IDs, directly otherwise.</summary>
public static class IdMapWriter
{
    static readonly string[] SearchPath = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"];

    /// <summary>The helper's path. Looked up in fixed places too: podman calls us without PATH.</summary>
    public static string? FindHelper(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SearchPath);
        foreach (var dir in dirs)
        {
            string p = Path.Join(dir, name);
            if (FileCalls.access(p, FileCalls.X_OK) == 0) return p;
        }
        return null;
    }

    public static void Write(int pid, UserNamespacePlan plan)
    {
        if (plan.UseHelpers)
        {
            // Both at once: each is a setuid exec of its own that writes one file, and every
            // container start waits for them. Each is waited for and its failure said, uid's first.
            var uid = StartHelper("newuidmap", pid, plan.UidMap);
            HelperRun gid;
            try { gid = StartHelper("newgidmap", pid, plan.GidMap); }
            catch { uid.Finish(); throw; }
            string? uidError = uid.Finish(), gidError = gid.Finish();
            if ((uidError ?? gidError) is { } error) throw new IOException(error);
            return;
        }
        WriteFile($"/proc/{pid}/uid_map", plan.UidMap);
        if (!plan.SetgroupsAllowed) File.WriteAllText($"/proc/{pid}/setgroups", "deny");
        WriteFile($"/proc/{pid}/gid_map", plan.GidMap);
    }

    static void WriteFile(string path, IReadOnlyList<IdMap> maps)
    {
        // The kernel wants the whole map in one write.
        var text = string.Join('\n', maps.Select(m => m.ToString())) + "\n";
        try { File.WriteAllText(path, text); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"write {path} ({text.Trim().Replace('\n', ',')}): {e.Message}");
        }
    }

    /// <summary>A helper started, with the read end of its stderr.</summary>
    readonly record struct HelperRun(string Name, List<string> Argv, int Pid, int Stderr)
    {
        /// <summary>Waits for it; the error to say when it failed, else null.</summary>
        public string? Finish()
        {
            string stderr;
            using (var s = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(Stderr, true), FileAccess.Read))
            using (var r = new StreamReader(s)) stderr = r.ReadToEnd().Trim();
            int code = ProcessCalls.ExitCodeOf(ProcessCalls.WaitStatus(Pid));
            return code == 0 ? null : $"{Name} {string.Join(' ', Argv.Skip(1))} failed: {(stderr.Length > 0 ? stderr : $"exit status {code}")}";
        }
    }

    static HelperRun StartHelper(string name, int pid, IReadOnlyList<IdMap> maps)
    {
        string path = FindHelper(name) ?? throw new IOException($"{name} not found (install the package uidmap)");
        var argv = new List<string> { path, pid.ToString() };
        foreach (var m in maps) { argv.Add(m.ContainerId.ToString()); argv.Add(m.HostId.ToString()); argv.Add(m.Size.ToString()); }
        int errPipeRead = -1, errPipeWrite = -1;
        unsafe
        {
            int* fds = stackalloc int[2];
            SyscallException.Check(Pipe.pipe2(fds, Libc.O_CLOEXEC), "pipe2");
            errPipeRead = fds[0]; errPipeWrite = fds[1];
        }
        try { return new HelperRun(name, argv, SpawnCalls.Spawn(path, argv, ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], [(errPipeWrite, 2)]), errPipeRead); }
        catch { Libc.close(errPipeRead); throw; }
        finally { Libc.close(errPipeWrite); }
    }
}
