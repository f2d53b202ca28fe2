using Rlrun.Runtime.Interop;
using static Rlrun.Runtime.Interop.Libseccomp;

namespace Rlrun.Runtime.Seccomp;

/// <summary>Builds and loads the filter with libseccomp on the calling thread (seccomp is per
/// thread: call it on the thread that execs). Returns the notify listener fd, or -1.</summary>
public static class SeccompLoader
{
    public static unsafe int Load(SeccompPlan plan, Action<string>? warn)
    {
        nint ctx = seccomp_init(plan.DefaultAction);
        if (ctx == 0) throw new InvalidOperationException("seccomp_init failed (invalid default action?)");
        try
        {
            foreach (var arch in plan.Architectures)
            {
                uint token = seccomp_arch_resolve_name(SeccompActions.ArchName(arch));
                if (token == 0) throw new InvalidOperationException($"linux.seccomp.architectures: unknown architecture {arch}");
                int rc = seccomp_arch_add(ctx, token);
                if (rc < 0 && rc != -Libc.EEXIST) throw new SyscallException("seccomp_arch_add", -rc, arch);
            }
            // no_new_privs is process.noNewPrivileges' business, not libseccomp's.
            Check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set(NNP)");
            foreach (var flag in plan.Flags)
            {
                int attr = flag switch
                {
                    "SECCOMP_FILTER_FLAG_TSYNC" => SCMP_FLTATR_CTL_TSYNC,
                    "SECCOMP_FILTER_FLAG_LOG" => SCMP_FLTATR_CTL_LOG,
                    _ => SCMP_FLTATR_CTL_SSB,
                };
                Check(seccomp_attr_set(ctx, attr, 1), $"seccomp_attr_set({flag})");
            }
            var unknown = new SortedSet<string>();
            var args = stackalloc ArgCmp[6]; // a syscall has at most 6 arguments (SeccompPlan checks)
            foreach (var rule in plan.Rules)
            {
                int nr = seccomp_syscall_resolve_name(rule.Syscall);
                if (nr == NR_SCMP_ERROR) { unknown.Add(rule.Syscall); continue; }
                if (rule.Action == plan.DefaultAction) continue; // libseccomp refuses rules equal to the default
                for (int i = 0; i < rule.Conditions.Count; i++)
                {
                    var c = rule.Conditions[i];
                    args[i] = new ArgCmp { Arg = c.Index, Op = c.Op, DatumA = c.Value, DatumB = c.ValueTwo };
                }
                int rc = seccomp_rule_add_array(ctx, rule.Action, nr, (uint)rule.Conditions.Count, args);
                if (rc < 0) throw new SyscallException("seccomp_rule_add", -rc, rule.Syscall);
            }
            // runc ignores syscalls this libseccomp does not know: profiles name newer ones.
            if (unknown.Count > 0) warn?.Invoke($"seccomp: unknown syscalls ignored: {string.Join(' ', unknown)}");
            Check(seccomp_load(ctx), "seccomp_load");
            if (!plan.UsesNotify) return -1;
            // Our own copy: the one libseccomp returns is its to close.
            return Check(Libc.fcntl(Check(seccomp_notify_fd(ctx), "seccomp_notify_fd"), Libc.F_DUPFD_CLOEXEC, 3), "fcntl(F_DUPFD)");
        }
        finally { seccomp_release(ctx); }
    }

    static int Check(int rc, string call) => rc < 0 ? throw new SyscallException(call, -rc) : rc;
}
