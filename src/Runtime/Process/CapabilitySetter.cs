using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Spec;
using static Rlrun.Runtime.Interop.ProcessCalls;

namespace Rlrun.Runtime.Process;

/// <summary>Applies process.capabilities in runc's order: the bounding set is dropped while we are
/// still root; the other four sets are set after the user switch (kept across it by KEEPCAPS).
/// An ambient capability that cannot be raised goes to debug, as runc ignores it: `runc spec
/// --rootless` lists ambient capabilities with no inheritable set, so every run would warn.</summary>
public sealed class CapabilitySetter(SpecCapabilities caps, Action<string>? warn = null, Action<string>? debug = null)
{
    readonly int _lastCap = Capabilities.LastCap();
    readonly List<string> _unknown = [];

    ulong Mask(List<string>? names) => Capabilities.MaskOf(names, _lastCap, _unknown);

    public void DropBounding()
    {
        ulong keep = Mask(caps.Bounding);
        for (int cap = 0; cap <= _lastCap; cap++)
        {
            if ((keep & (1UL << cap)) != 0) continue;
            if (prctl(PR_CAPBSET_DROP, (ulong)cap, 0, 0, 0) < 0 && Libc.LastErrno != Libc.EINVAL)
                throw new SyscallException("prctl(PR_CAPBSET_DROP)", Libc.LastErrno, Capabilities.Names.ElementAtOrDefault(cap) ?? cap.ToString());
        }
    }

    public void Apply()
    {
        ulong effective = Mask(caps.Effective), permitted = Mask(caps.Permitted), inheritable = Mask(caps.Inheritable);
        CapabilityCalls.Set(effective, permitted, inheritable);
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        ulong ambient = Mask(caps.Ambient);
        for (int cap = 0; cap <= _lastCap; cap++)
        {
            if ((ambient & (1UL << cap)) == 0) continue;
            // Ambient needs the cap in both permitted and inheritable; runc goes on silently.
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (ulong)cap, 0, 0) < 0)
                debug?.Invoke($"cannot raise ambient capability {Capabilities.Names[cap]}: {Libc.StrError(Libc.LastErrno)}");
        }
        foreach (var name in _unknown) warn?.Invoke($"unknown capability {name} ignored (not known to this kernel)");
    }
}
