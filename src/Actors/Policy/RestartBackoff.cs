namespace Rlrun.Actors;

/// <summary>The delay before restart N of a run of quick failures: Initial, 2x, 4x ... capped at Max.
/// A run that lasted at least ResetAfter counts as healthy: the next failure starts again at Initial.</summary>
public sealed record RestartBackoff(TimeSpan Initial, TimeSpan Max, TimeSpan ResetAfter)
{
    /// <summary>docker's numbers, with a one-second start: 1 s, 2 s, 4 s ... 1 min; reset after 10 s of running.</summary>
    public static readonly RestartBackoff Default = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));

    /// <param name="step">0 for the first restart after a healthy run, then 1, 2, ...</param>
    public TimeSpan DelayFor(int step)
    {
        if (Initial <= TimeSpan.Zero) return TimeSpan.Zero;
        if (step < 0) step = 0;
        double ticks = Initial.Ticks * Math.Pow(2, Math.Min(step, 62));
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }

    public bool IsHealthyRun(TimeSpan ranFor) => ranFor >= ResetAfter;
}
