using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

public static unsafe class NamespaceCalls
{
    /// <summary>Not in Tmds.LibC 0.5.0 (Linux 5.6).</summary>
    public const int CLONE_NEWTIME = 0x80;
    public static int CLONE_NEWNS => LibC.CLONE_NEWNS;
    public static int CLONE_NEWCGROUP => LibC.CLONE_NEWCGROUP;
    public static int CLONE_NEWUTS => LibC.CLONE_NEWUTS;
    public static int CLONE_NEWIPC => LibC.CLONE_NEWIPC;
    public static int CLONE_NEWUSER => LibC.CLONE_NEWUSER;
    public static int CLONE_NEWPID => LibC.CLONE_NEWPID;
    public static int CLONE_NEWNET => LibC.CLONE_NEWNET;

    public static int sethostname(string name, nint len)
    {
        fixed (byte* p = Utf8Z.Of(name)) return LibC.sethostname(p, (size_t)(ulong)len);
    }

    public static int setdomainname(string name, nint len)
    {
        fixed (byte* p = Utf8Z.Of(name)) return LibC.setdomainname(p, (size_t)(ulong)len);
    }
}
