using Rlrun.Runtime.Overlay;
using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Container;

/// <summary>A bundle whose writer still holds its config in memory (an image run): create takes the
/// spec and the layered root from here instead of reading config.json and layers.json back, and
/// checks them exactly as it checks what it reads. Files of the bundle may still be being written on
/// another thread (config.json, the per-container /etc files): create waits for them before the init
/// gets its config (its bind mounts' sources) and before the state names the bundle.</summary>
/// <param name="spec">create's own copy: create changes it (network, notify socket), so it must not
/// be the instance the writer is serialising</param>
public sealed class PreparedBundle(OciSpec spec, LayeredRoot? layers, Task written)
{
    public OciSpec Spec { get; } = spec;
    public LayeredRoot? Layers { get; } = layers;

    /// <summary>Returns once the bundle's files are written; throws what their writing threw.</summary>
    public void WaitWritten() => written.GetAwaiter().GetResult();

    /// <summary>Waits for the writer whatever it did: before the bundle is removed after a failure,
    /// so nothing is written into a directory being removed.</summary>
    public void WaitQuietly()
    {
        try { written.Wait(); }
        catch (AggregateException) { }
    }
}
