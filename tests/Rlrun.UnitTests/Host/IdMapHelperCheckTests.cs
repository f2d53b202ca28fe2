using System.Buffers.Binary;
using Rlrun.Runtime.Host;
using Rlrun.Runtime.Interop;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class IdMapHelperCheckTests
{
    const uint SetuidRoot = 0x89ed /* -rwsr-xr-x */, Plain = 0x81ed /* -rwxr-xr-x */;

    static IdMapHelperFacts Facts(string helper = "newuidmap", bool root = false, string? path = "/usr/bin/newuidmap",
        uint mode = SetuidRoot, uint owner = 0, byte[]? caps = null, string? statError = null) =>
        new(helper, root, path, mode, owner, caps, statError);

    /// <summary>An xattr as `setcap` writes it: revision 2, optionally the effective flag.</summary>
    static byte[] CapXattr(ulong permitted, bool effective)
    {
        var b = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(b, 0x02000000u | (effective ? 1u : 0u));
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)permitted);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), (uint)(permitted >> 32));
        return b;
    }

    const ulong SetUid = 1UL << 7, SetGid = 1UL << 6;

    [Fact]
    public void Setuid_root_is_ok()
    {
        var r = IdMapHelperCheck.Evaluate(Facts());
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Equal("newuidmap", r.Name);
        Assert.Equal("/usr/bin/newuidmap (setuid root)", r.Detail);
    }

    [Fact]
    public void A_file_capability_is_ok()
    {
        var r = IdMapHelperCheck.Evaluate(Facts(mode: Plain, caps: CapXattr(SetUid, effective: true)));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("cap_setuid+ep", r.Detail);
    }

    [Fact]
    public void Newgidmap_needs_cap_setgid_not_cap_setuid()
    {
        var wrong = IdMapHelperCheck.Evaluate(Facts("newgidmap", path: "/usr/bin/newgidmap", mode: Plain, caps: CapXattr(SetUid, true)));
        Assert.Equal(CheckStatus.Fail, wrong.Status);
        Assert.Contains("setcap cap_setgid+ep /usr/bin/newgidmap", wrong.Fix);
        var right = IdMapHelperCheck.Evaluate(Facts("newgidmap", path: "/usr/bin/newgidmap", mode: Plain, caps: CapXattr(SetGid, true)));
        Assert.Equal(CheckStatus.Ok, right.Status);
    }

    [Fact]
    public void A_capability_without_the_effective_flag_is_not_enough()
    {
        Assert.Equal(CheckStatus.Fail, IdMapHelperCheck.Evaluate(Facts(mode: Plain, caps: CapXattr(SetUid, effective: false))).Status);
    }

    [Fact]
    public void Neither_setuid_nor_capability_fails_with_three_ways_out()
    {
        var r = IdMapHelperCheck.Evaluate(Facts(mode: Plain));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("mode 0755, owner uid 0, no file capabilities", r.Detail);
        Assert.Equal(["chown root /usr/bin/newuidmap && chmod u+s /usr/bin/newuidmap", "or: setcap cap_setuid+ep /usr/bin/newuidmap", "or: apt-get install --reinstall uidmap"], r.FixLines);
    }

    [Fact]
    public void Setuid_but_not_owned_by_root_fails()
    {
        Assert.Equal(CheckStatus.Fail, IdMapHelperCheck.Evaluate(Facts(owner: 1000)).Status);
    }

    [Fact]
    public void Missing_warns_with_the_package()
    {
        var r = IdMapHelperCheck.Evaluate(Facts(path: null));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Equal("apt-get install uidmap", r.Fix);
        Assert.Contains("only your own uid", r.Detail);
    }

    [Fact]
    public void Root_does_not_need_them()
    {
        Assert.Equal(CheckStatus.Ok, IdMapHelperCheck.Evaluate(Facts(root: true, path: null)).Status);
        Assert.Equal(CheckStatus.Ok, IdMapHelperCheck.Evaluate(Facts(root: true, mode: Plain)).Status);
    }

    [Fact]
    public void File_capabilities_parse_revisions_1_to_3()
    {
        Assert.Equal(new FileCapabilities(SetUid, true), FileCapabilities.Parse(CapXattr(SetUid, true)));
        var v1 = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(v1, 0x01000000);
        BinaryPrimitives.WriteUInt32LittleEndian(v1.AsSpan(4), (uint)SetGid);
        Assert.Equal(new FileCapabilities(SetGid, false), FileCapabilities.Parse(v1));
        var v3 = new byte[24];
        CapXattr(1UL << 40 | SetUid, true).CopyTo(v3, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(v3, 0x03000001);
        var parsed = FileCapabilities.Parse(v3)!.Value;
        Assert.True(parsed.Has(7) && parsed.Has(40) && !parsed.Has(6));
    }

    [Fact]
    public void Unknown_or_short_capability_xattrs_parse_to_null()
    {
        Assert.Null(FileCapabilities.Parse([1, 2]));
        Assert.Null(FileCapabilities.Parse(new byte[20] { 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.Null(FileCapabilities.Parse(new byte[] { 0, 0, 0, 2, 0, 0, 0, 0 }));
    }

    [Fact]
    public void A_file_without_the_xattr_reads_as_null()
    {
        using var dir = new TempDir();
        string file = dir.Join("plain");
        File.WriteAllText(file, "");
        Assert.Null(XattrCalls.Get(file, FileCapabilities.XattrName));
    }
}
