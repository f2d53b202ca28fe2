using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

public static unsafe class Pipe
{
    public static int pipe2(int* fds, int flags) => LibC.pipe2(fds, flags);
}
