using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

public static unsafe partial class Pipe
{
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);
}
