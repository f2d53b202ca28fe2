using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.Supervisor.Daemon;

/// <summary>The daemon is a subreaper (PR_SET_CHILD_SUBREAPER): processes its containers leave
/// behind (a detached exec, what outlives a pid namespace's init) become its children and must be
/// reaped. Its own children each have a waiter (an init's pidfd on the poller, a hook's or a
/// stage's spawner) that reaps at once, so a zombie still there at the next scan, two seconds
/// later, has none: it is reaped here. A blanket waitpid(-1) would steal those waiters' statuses.</summary>
public sealed class OrphanReaper
{
    readonly HashSet<(int Pid, ulong Start)> _seen = [];

    public static void BecomeSubreaper() =>
        SyscallException.Check(ProcessCalls.prctl(ProcessCalls.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)");

    public void Start(TimeSpan interval) =>
        new Thread(() => { while (true) { Thread.Sleep(interval); Scan(); } }) { IsBackground = true, Name = "orphan-reaper" }.Start();

    public int Scan()
    {
        var zombies = new HashSet<(int, ulong)>();
        int reaped = 0;
        foreach (int pid in Children())
        {
            if (ProcStat.Read(pid) is not { State: 'Z' } stat) continue;
            var key = (pid, stat.StartTime);
            if (_seen.Contains(key) && ProcessCalls.waitpid(pid, out _, ProcessCalls.WNOHANG) == pid) reaped++;
            else zombies.Add(key);
        }
        _seen.Clear();
        _seen.UnionWith(zombies);
        return reaped;
    }

    /// <summary>/proc/self/task/*/children: a child belongs to the thread that forked it (or, for
    /// an orphan handed to us, to one of our threads).</summary>
    static IEnumerable<int> Children()
    {
        IEnumerable<string> tasks;
        try { tasks = Directory.EnumerateDirectories("/proc/self/task").ToList(); }
        catch (IOException) { yield break; }
        foreach (string task in tasks)
        {
            string text;
            try { text = File.ReadAllText(Path.Join(task, "children")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (string p in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(p, out int pid)) yield return pid;
        }
    }
}
