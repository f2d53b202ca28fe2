using Tmds.Linux;

namespace Rlrun.Images.Interop;

/// <summary>getppid(2): the unpack helper checks that rlrun, its parent, is still there.</summary>
public static class ParentCalls
{
    public static int getppid() => LibC.getppid();
}
