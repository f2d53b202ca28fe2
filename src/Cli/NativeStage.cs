using System.Runtime.InteropServices;

namespace Rlrun.Cli;

/// <summary>The link to src/Native/nsstage.c and netwatch.c. Calling into them keeps their object
/// files, and so their ELF constructors (stage 1, the network helper's watcher), in the binary.</summary>
static partial class NativeStage
{
    [LibraryImport("nsstage", EntryPoint = "rlrun_nsstage_protocol")]
    private static partial int Protocol();

    // src/Native/netwatch.c: the watcher of a container's network helper (Runtime/Network/HelperProcess).
    [LibraryImport("nsstage", EntryPoint = "rlrun_netwatch_protocol")]
    private static partial int NetwatchProtocol();

    public static void EnsureLinked()
    {
        // Only the published binary links the stage; `dotnet run` of the JIT build has none.
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported) { Protocol(); NetwatchProtocol(); }
    }
}
