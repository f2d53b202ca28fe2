using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

public static class Dup
{
    public static int dup2(int oldfd, int newfd) => LibC.dup2(oldfd, newfd);
}
