using Rlrun.Runtime.Host;
using Rlrun.Runtime.Process;

namespace Rlrun.Supervisor.Daemon;

/// <summary>`run -d --rm`: once such a container has stopped for good, the daemon runs
/// `rlrun --root ROOT delete --force ID`, as conmon runs podman's `container cleanup --rm`. rlrun's
/// delete does all a user's would: through this daemon (which forgets the container and removes
/// its log), then the image container's writable layer, whose subordinate-owned files need
/// rlrun's unpack helper (not in this binary). Off the event listener's thread: that delete comes
/// back to this daemon through its socket.</summary>
public sealed class AutoRemover(string root, Action<string> warn)
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public void Remove(string id) => Task.Run(() =>
    {
        string rlrun = SealedExecutable.SourcePath;
        try
        {
            var r = BoundedCommand.Run(rlrun, ["rlrun", "--root", root, "delete", "--force", id], EnvironmentEntries.Current(), Timeout);
            // delete --force of a container someone deleted first succeeds: a failure is worth saying.
            if (r.ExitCode != 0)
                warn($"container {id}: --rm: {rlrun} delete exited with {r.ExitCode}{(r.TimedOut ? " (timed out)" : "")}: {r.Stderr.Trim()}");
        }
        catch (Exception e) { warn($"container {id}: --rm: {rlrun} delete: {e.Message}"); }
    });
}
