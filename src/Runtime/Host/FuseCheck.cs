using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>/dev/fuse (exists, a character device, readable and writable by the caller) and
/// where fuse-overlayfs is (null: not found).</summary>
public sealed record FuseFacts(CheckUser User, bool DeviceExists, bool IsCharDevice, uint Mode, uint OwnerUid,
    bool ReadWritable, string? FuseOverlayfs)
{
    public const string Device = "/dev/fuse";
    const int R_OK = 4, W_OK = 2;

    public static FuseFacts Gather(CheckUser user)
    {
        string? tool = ToolLookup.Find("fuse-overlayfs");
        if (FileCalls.stat(Device, out var st) != 0) return new(user, false, false, 0, 0, false, tool);
        return new(user, true, (st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFCHR, st.st_mode & 0xFFF, st.st_uid,
            FileCalls.access(Device, R_OK | W_OK) == 0, tool);
    }
}

/// <summary>fuse-overlayfs: the fallback for layered root filesystems where kernel overlayfs
/// cannot be mounted in a user namespace. It needs /dev/fuse, readable and writable (0666 on
/// usual distributions). Both only warn: a bundle's own rootfs needs neither.</summary>
public static class FuseCheck
{
    public const string DeviceName = "dev-fuse", ToolName = "fuse-overlayfs";

    public static CheckResult EvaluateDevice(FuseFacts f)
    {
        if (!f.DeviceExists)
            return CheckResult.Warn(DeviceName, $"no {FuseFacts.Device}: fuse-overlayfs cannot run", "modprobe fuse");
        string mode = Convert.ToString(f.Mode, 8).PadLeft(4, '0');
        if (!f.IsCharDevice)
            return CheckResult.Warn(DeviceName, $"{FuseFacts.Device} is not a character device", $"rm {FuseFacts.Device} && mknod -m 0666 {FuseFacts.Device} c 10 229");
        if (!f.ReadWritable)
            return CheckResult.Warn(DeviceName, $"{FuseFacts.Device} (mode {mode}, owner uid {f.OwnerUid}) is not readable and writable by {f.User.Display}: fuse-overlayfs cannot run",
                $"chmod 0666 {FuseFacts.Device}   # and for every boot: a udev rule KERNEL==\"fuse\", MODE=\"0666\" in /etc/udev/rules.d/99-fuse.rules");
        return CheckResult.Ok(DeviceName, $"{FuseFacts.Device} (mode {mode}) is readable and writable");
    }

    public static CheckResult EvaluateTool(FuseFacts f) => f.FuseOverlayfs is { } path
        ? CheckResult.Ok(ToolName, path)
        : CheckResult.Warn(ToolName, "not found on PATH or in /usr/bin, /bin, /usr/sbin, /sbin: layered root filesystems need kernel overlayfs in a user namespace",
            "apt-get install fuse-overlayfs");
}
