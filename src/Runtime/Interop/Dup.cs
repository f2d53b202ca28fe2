using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

public static partial class Dup
{
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int dup2(int oldfd, int newfd);
}
