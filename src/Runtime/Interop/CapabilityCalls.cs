namespace Rlrun.Runtime.Interop;

/// <summary>capset(2) with the 64-bit (version 3) layout. Per thread: call it on the thread that execs.
/// Through Tmds.LibC's syscall(2): glibc exports no capset and Tmds.LibC binds neither it nor its structures.</summary>
public static unsafe class CapabilityCalls
{
    const uint LinuxCapabilityVersion3 = 0x20080522;

    struct Header { public uint Version; public int Pid; }
    struct Data { public uint Effective, Permitted, Inheritable; }

    public static void Set(ulong effective, ulong permitted, ulong inheritable)
    {
        var header = new Header { Version = LinuxCapabilityVersion3, Pid = 0 };
        Data* data = stackalloc Data[2];
        data[0] = new Data { Effective = (uint)effective, Permitted = (uint)permitted, Inheritable = (uint)inheritable };
        data[1] = new Data { Effective = (uint)(effective >> 32), Permitted = (uint)(permitted >> 32), Inheritable = (uint)(inheritable >> 32) };
        SyscallException.Check(Libc.syscall(SyscallNumbers.capset, (long)&header, (long)data, 0, 0, 0), "capset");
    }
}
