using System.Runtime.InteropServices;

namespace Rlrun.Cli;

/// <summary>The link to src/Native/nsstage.c, netwatch.c and parentdeath.c. Calling into them keeps
/// their object files, and so their ELF constructors (stage 1, the network helper's watcher, a
/// child's parent-death signal), in the binary.</summary>
static partial class NativeStage
{
    [LibraryImport("nsstage", EntryPoint = "rlrun_nsstage_protocol")]
    private static partial int Protocol();

    // src/Native/netwatch.c: the watcher of a container's network helper (Runtime/Network/HelperProcess).
    [LibraryImport("nsstage", EntryPoint = "rlrun_netwatch_protocol")]
    private static partial int NetwatchProtocol();

    // src/Native/parentdeath.c: rlrun-full pulling for run --image dies with the rlrun that started it.
    [LibraryImport("nsstage", EntryPoint = "rlrun_parentdeath_protocol")]
    private static partial int ParentDeathProtocol();

    public static void EnsureLinked()
    {
        // Only the published binary links the stage; `dotnet run` of the JIT build has none.
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported) { Protocol(); NetwatchProtocol(); ParentDeathProtocol(); }
    }
}
