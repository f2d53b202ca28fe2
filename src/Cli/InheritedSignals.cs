using Rlrun.Runtime.Container;
using Rlrun.Runtime.Interop;

namespace Rlrun.Cli;

/// <summary>Signals rlrun inherited ignored: a shell's `rlrun run x &amp;` starts with SIGINT and
/// SIGQUIT ignored, `nohup` with SIGHUP. A command that forwards signals makes them default, so its
/// handlers (and those of rlrun-supervisor, which it execs) are installed and forward them, as runc
/// does; any other command ignores again the two the native constructor had to reset early.</summary>
static class InheritedSignals
{
    public static void Settle(bool forwards)
    {
        // Only the published binary links src/Native/signals.c.
        if (System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported) return;
        if (forwards) SignalDispositions.Unignore(ForegroundProcess.Forwarded);
        else SignalDispositions.IgnoreAgainWhatWasInherited();
    }
}
