using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>Debian's libseccomp2, non-variadic entry points only. The published binary links it
/// (DirectPInvoke), so it is mapped before the init enters the container's root.</summary>
public static unsafe partial class Libseccomp
{
    public const string Name = "libseccomp.so.2";

    [StructLayout(LayoutKind.Sequential)]
    public struct ArgCmp
    {
        public uint Arg;
        public uint Op;
        public ulong DatumA, DatumB;
    }

    [LibraryImport(Name)] public static partial nint seccomp_init(uint defaultAction);
    [LibraryImport(Name)] public static partial void seccomp_release(nint ctx);
    [LibraryImport(Name)] public static partial int seccomp_arch_add(nint ctx, uint arch);
    [LibraryImport(Name)] public static partial int seccomp_arch_exist(nint ctx, uint arch);
    [LibraryImport(Name)] public static partial uint seccomp_arch_native();
    [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)] public static partial uint seccomp_arch_resolve_name(string name);
    [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)] public static partial int seccomp_syscall_resolve_name(string name);
    [LibraryImport(Name)] public static partial int seccomp_rule_add_array(nint ctx, uint action, int syscall, uint argCount, ArgCmp* args);
    [LibraryImport(Name)] public static partial int seccomp_attr_set(nint ctx, int attr, uint value);
    [LibraryImport(Name)] public static partial int seccomp_load(nint ctx);
    [LibraryImport(Name)] public static partial int seccomp_notify_fd(nint ctx);

    public const int SCMP_FLTATR_ACT_BADARCH = 2, SCMP_FLTATR_CTL_NNP = 3, SCMP_FLTATR_CTL_TSYNC = 4,
        SCMP_FLTATR_CTL_LOG = 6, SCMP_FLTATR_CTL_SSB = 7;
    public const int NR_SCMP_ERROR = -1;
}
