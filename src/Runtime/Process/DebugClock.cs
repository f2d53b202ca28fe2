using System.Diagnostics;

namespace Rlrun.Runtime.Process;

/// <summary>The clock of --debug's lines: milliseconds since Main began (Program.Main marks it
/// first), so a line says how far into the process it came. The init stamps its lines with the
/// raw monotonic clock, which it shares with stage 0 (no time namespace of ours shifts it),
/// and stage 0 says them on its own scale.</summary>
public static class DebugClock
{
    static long _zero;

    public static void MarkStart() => _zero = Stopwatch.GetTimestamp();

    public static double Milliseconds(long timestamp)
    {
        if (_zero == 0) MarkStart();
        return (timestamp - _zero) * 1000.0 / Stopwatch.Frequency;
    }

    public static double Now => Milliseconds(Stopwatch.GetTimestamp());

    /// <summary>A debug frame's payload: the stamp, then the line (see <see cref="Unstamp"/>).</summary>
    public static string Stamp(string line, long timestamp) => $"{timestamp} {line}";

    /// <summary>The line of a stamped payload, with where it came on this process's scale.</summary>
    public static string Unstamp(string payload)
    {
        int space = payload.IndexOf(' ');
        if (space <= 0 || !long.TryParse(payload.AsSpan(0, space), out long stamp)) return payload;
        return $"{payload[(space + 1)..]} (at {Milliseconds(stamp):0.0}ms in the init)";
    }
}
