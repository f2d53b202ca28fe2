using System.Runtime.InteropServices;
using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Interop;

/// <summary>getppid(2): the unpack helper checks that rlrun, its parent, is still there.</summary>
public static partial class ParentCalls
{
    [LibraryImport(Libc.Name)]
    public static partial int getppid();
}
