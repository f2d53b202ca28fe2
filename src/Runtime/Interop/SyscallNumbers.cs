namespace Rlrun.Runtime.Interop;

/// <summary>x86_64 numbers of the calls made through syscall(2): those glibc or Tmds.LibC 0.5.0 do not
/// wrap, or wrap with behaviour we do not want (glibc's setresuid changes every thread; the init
/// changes only the thread that calls execve). Tmds.LibC carries no SYS_ numbers for them.</summary>
internal static class SyscallNumbers
{
    public const long setgroups = 116, setresuid = 117, setresgid = 119, capget = 125, capset = 126,
        pivot_root = 155, prctl = 157, memfd_create = 319, bpf = 321, pidfd_send_signal = 424, pidfd_open = 434,
        close_range = 436, openat2 = 437;
}
