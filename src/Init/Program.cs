using System.Runtime.InteropServices;
using Rlrun.Runtime.Process;

namespace Rlrun.Init;

/// <summary>rlrun-init: started by rlrun (from a sealed memfd copy) as `rlrun init` with the init
/// socket; src/Native/nsstage.c has already run as its ELF constructor.</summary>
public static partial class Program
{
    [LibraryImport("nsstage", EntryPoint = "rlrun_nsstage_protocol")]
    private static partial int Protocol();

    public static int Main(string[] args)
    {
        if (args is ["init"] && Environment.GetEnvironmentVariable("_RLRUN_INITFD") is { } fd)
        {
            Environment.SetEnvironmentVariable("_RLRUN_INITFD", null);
            return ContainerInit.Main(int.Parse(fd));
        }
        // Keeps nsstage.o, and so its constructor, in the binary (a JIT build has no native stage).
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported) Protocol();
        Console.Error.WriteLine("rlrun-init: the container init; rlrun starts it, users do not");
        return 1;
    }
}
