using System.Runtime.InteropServices;
using System.Text;

namespace Rlrun.Runtime.Interop;

/// <summary>bpf(2) through Tmds.LibC's syscall(2) (glibc has no wrapper; union bpf_attr is declared
/// here, Tmds.LibC has none), the two commands a cgroup device filter needs. Root in the initial user namespace
/// only (CAP_BPF or CAP_SYS_ADMIN there). No RLIMIT_MEMLOCK bump: since Linux 5.11 programs are
/// charged to the memory cgroup.</summary>
public static unsafe class BpfCalls
{
    const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8;
    const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6, BPF_F_ALLOW_MULTI = 2;

    // The leading fields of union bpf_attr for each command; the kernel zero-fills the rest.
    [StructLayout(LayoutKind.Sequential)]
    struct ProgLoadAttr
    {
        public uint ProgType, InsnCount;
        public ulong Insns, License;
        public uint LogLevel, LogSize;
        public ulong LogBuf;
        public uint KernVersion, ProgFlags;
        public fixed byte ProgName[16];
    }

    [StructLayout(LayoutKind.Sequential)]
    struct ProgAttachAttr
    {
        public uint TargetFd, AttachBpfFd, AttachType, AttachFlags;
    }

    static int Call(int cmd, void* attr, int size) => (int)Libc.syscall(SyscallNumbers.bpf, cmd, (long)attr, size, 0, 0);

    /// <summary>Loads a BPF_PROG_TYPE_CGROUP_DEVICE program; returns its fd (O_CLOEXEC, as the kernel
    /// makes them). A refusal is loaded again with the verifier's log, which goes into the error.</summary>
    public static int LoadCgroupDeviceProgram(ReadOnlySpan<byte> instructions)
    {
        int fd = Load(instructions, null, out int errno);
        if (fd >= 0) return fd;
        var log = new byte[64 * 1024];
        fd = Load(instructions, log, out _);
        if (fd >= 0) return fd;
        string said = VerifierSaid(log);
        throw new SyscallException("bpf", errno, said.Length == 0 ? "BPF_PROG_LOAD" : $"BPF_PROG_LOAD (verifier: {said})");
    }

    static int Load(ReadOnlySpan<byte> instructions, byte[]? log, out int errno)
    {
        var attr = new ProgLoadAttr { ProgType = BPF_PROG_TYPE_CGROUP_DEVICE, InsnCount = (uint)(instructions.Length / 8) };
        // Seen in `bpftool prog list`; the kernel takes [A-Za-z0-9_.] and 15 characters.
        "rlrun_devices"u8.CopyTo(new Span<byte>(attr.ProgName, 16));
        // No GPL-only helpers are called, so any licence string does.
        ReadOnlySpan<byte> license = "Apache\0"u8;
        int fd;
        fixed (byte* insns = instructions)
        fixed (byte* lic = license)
        fixed (byte* buf = log)
        {
            attr.Insns = (ulong)insns;
            attr.License = (ulong)lic;
            if (log is not null) (attr.LogLevel, attr.LogSize, attr.LogBuf) = (1, (uint)log.Length, (ulong)buf);
            fd = Call(BPF_PROG_LOAD, &attr, sizeof(ProgLoadAttr));
        }
        errno = fd < 0 ? Libc.LastErrno : 0;
        return fd;
    }

    /// <summary>The log's last lines, where the refusal is, without the statistics line; on one line.</summary>
    static string VerifierSaid(byte[] log)
    {
        int end = Array.IndexOf(log, (byte)0);
        var lines = Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("processed ", StringComparison.Ordinal));
        return string.Join("; ", lines.TakeLast(3));
    }

    /// <summary>BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI: programs of the cgroups above (a systemd
    /// scope's, say) stay and all must allow. The attachment holds the program: close its fd after.</summary>
    public static void AttachCgroupDevice(int cgroupFd, int programFd, string cgroupPath)
    {
        var attr = new ProgAttachAttr
        {
            TargetFd = (uint)cgroupFd, AttachBpfFd = (uint)programFd, AttachType = BPF_CGROUP_DEVICE, AttachFlags = BPF_F_ALLOW_MULTI,
        };
        SyscallException.Check(Call(BPF_PROG_ATTACH, &attr, sizeof(ProgAttachAttr)), "bpf BPF_PROG_ATTACH", cgroupPath);
    }
}
