using System.Runtime.ExceptionServices;

namespace Rlrun.Runtime.Cgroups;

/// <summary>The cgroup manager's choice made on another thread while this one does something else
/// (an image run writes its bundle): asking the user manager over D-Bus, or finding that none answers,
/// and reading the cgroup mounts overlap with it. <see cref="CgroupManagers.Select"/> takes it when
/// asked the same question; what it warned is said then, through the caller's warn, and what it threw
/// is thrown there, so a create fails at the same point and with the same words as without it.</summary>
public static class CgroupManagerPrefetch
{
    sealed class Job
    {
        public required string Choice;
        public required bool WantsLimits;
        public required string? CgroupsPath;
        public readonly Relay Warnings = new();
        public ICgroupManager? Result;
        public Exception? Error;
        public Thread? Thread;
    }

    /// <summary>Warnings said before the taker is known are kept and said to it; later ones (a scope
    /// that fails at create) go straight to it.</summary>
    sealed class Relay
    {
        readonly Lock _gate = new();
        readonly List<string> _early = [];
        Action<string>? _target;

        public void Add(string warning)
        {
            Action<string>? target;
            lock (_gate)
            {
                target = _target;
                if (target is null) { _early.Add(warning); return; }
            }
            target(warning);
        }

        public void Attach(Action<string> target)
        {
            List<string> early;
            lock (_gate)
            {
                early = [.. _early];
                _early.Clear();
                _target = target;
            }
            foreach (var w in early) target(w);
        }
    }

    static readonly Lock Gate = new();
    static Job? _pending;

    /// <summary>Starts the choice that <see cref="CgroupManagers.Select"/> would make with these arguments.</summary>
    public static void Start(string choice, bool wantsLimits, string? cgroupsPath)
    {
        var job = new Job { Choice = choice, WantsLimits = wantsLimits, CgroupsPath = cgroupsPath };
        job.Thread = new Thread(() =>
        {
            try { job.Result = CgroupManagers.SelectNow(choice, wantsLimits, job.Warnings.Add, cgroupsPath); }
            catch (Exception e) { job.Error = e; }
        }) { IsBackground = true, Name = "cgroup manager choice" };
        lock (Gate)
        {
            if (_pending is not null) return; // one at a time: the first is taken, or the question differs
            _pending = job;
        }
        job.Thread.Start();
    }

    /// <summary>The prefetched choice when it answers this question (consumed: taken once), else null.</summary>
    internal static ICgroupManager? Take(string choice, bool wantsLimits, string? cgroupsPath, Action<string> warn)
    {
        Job? job;
        lock (Gate)
        {
            job = _pending;
            _pending = null; // another question drops it: never an answer kept for later
            if (job is null || job.Choice != choice || job.WantsLimits != wantsLimits || job.CgroupsPath != cgroupsPath) return null;
        }
        job.Thread!.Join();
        job.Warnings.Attach(warn);
        if (job.Error is { } e) ExceptionDispatchInfo.Throw(e);
        return job.Result;
    }
}
