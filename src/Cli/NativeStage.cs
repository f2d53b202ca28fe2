using System.Runtime.InteropServices;

namespace Rlrun.Cli;

/// <summary>The link to src/Native/nsstage.c. Calling into it keeps its object file, and so its
/// ELF constructor (stage 1), in the NativeAOT binary.</summary>
static partial class NativeStage
{
    [LibraryImport("nsstage", EntryPoint = "rlrun_nsstage_protocol")]
    private static partial int Protocol();

    public static void EnsureLinked()
    {
        // Only the published binary links the stage; `dotnet run` of the JIT build has none.
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported) Protocol();
    }
}
