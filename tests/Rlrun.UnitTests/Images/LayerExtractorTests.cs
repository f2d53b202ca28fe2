using Rlrun.Images.Interop;
using Rlrun.Images.Oci;
using Rlrun.Images.Unpack;
using Rlrun.IntegrationTests.Harness;
using Rlrun.Runtime.Interop;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>Tar extraction into overlay's form. Ownership is applied when the tests run as root
/// (as in CI); the rootless path is covered end to end by ImageImportTests.</summary>
public class LayerExtractorTests
{
    static readonly bool Root = ProcessCalls.geteuid() == 0;

    static ExtractResult Extract(string dir, byte[] tar) =>
        new LayerExtractor(dir, applyOwnership: Root).Extract(new MemoryStream(tar));

    static FileCalls.Stat Lstat(string path)
    {
        Assert.True(FileCalls.lstat(path, out var st) == 0, $"{path} is missing");
        return st;
    }

    [Fact]
    public void Whiteout_becomes_a_0_0_character_device()
    {
        using var t = new TempDir();
        Extract(t.Path, new LayerBuilder().Dir("etc").Whiteout("etc/gone").Build());
        var st = Lstat(t.Join("etc", "gone"));
        Assert.Equal(FileCalls.S_IFCHR, st.st_mode & FileCalls.S_IFMT);
        Assert.Equal(0UL, st.st_rdev);
        Assert.False(File.Exists(t.Join("etc", ".wh.gone")));
    }

    [Fact]
    public void Opaque_marker_becomes_the_userxattr_opaque_attribute()
    {
        using var t = new TempDir();
        Extract(t.Path, new LayerBuilder().Dir("var").Opaque("var").File("var/kept", "x").Build());
        Assert.Equal("y"u8.ToArray(), LayerFileCalls.GetXattr(t.Join("var"), "user.overlay.opaque"));
        Assert.False(File.Exists(t.Join("var", ".wh..wh..opq")));
        Assert.True(File.Exists(t.Join("var", "kept")));
    }

    [Fact]
    public void Hard_links_share_an_inode_and_symlinks_keep_their_target()
    {
        using var t = new TempDir();
        Extract(t.Path, new LayerBuilder().Dir("bin").File("bin/busybox", "elf").HardLink("bin/sh", "bin/busybox")
            .Symlink("bin/ls", "/bin/busybox").Build());
        Assert.Equal(Lstat(t.Join("bin", "busybox")).st_ino, Lstat(t.Join("bin", "sh")).st_ino);
        Assert.Equal("/bin/busybox", new FileInfo(t.Join("bin", "ls")).LinkTarget);
    }

    [Fact]
    public void Setuid_bit_and_owner_survive()
    {
        using var t = new TempDir();
        Extract(t.Path, new LayerBuilder().Dir("usr").File("usr/su", "x", uid: 1000, gid: 1000, mode: 0x9ed /* 04755 */).Build());
        var st = Lstat(t.Join("usr", "su"));
        Assert.Equal(0x9edu, st.st_mode & 0xfff);
        if (Root) Assert.Equal(1000u, st.st_uid);
    }

    [Fact]
    public void User_xattrs_are_set()
    {
        using var t = new TempDir();
        Extract(t.Path, new LayerBuilder().File("tagged", "x", xattrs: new() { ["user.rlrun.test"] = "hello" }).Build());
        Assert.Equal("hello"u8.ToArray(), LayerFileCalls.GetXattr(t.Join("tagged"), "user.rlrun.test"));
    }

    [Fact]
    public void Zero_blocks_become_holes()
    {
        using var t = new TempDir();
        var data = new byte[1 << 20];
        data[^1] = 1;
        Extract(t.Path, new LayerBuilder().File("sparse", data).Build());
        var st = Lstat(t.Join("sparse"));
        Assert.Equal(data.Length, st.st_size);
        Assert.True(st.st_blocks * 512 < data.Length / 2, $"{st.st_blocks} blocks allocated for 1 MiB of zeros");
        Assert.Equal(data, File.ReadAllBytes(t.Join("sparse")));
    }

    [Fact]
    public void Later_entry_replaces_an_earlier_one()
    {
        using var t = new TempDir();
        Extract(t.Path, new LayerBuilder().File("f", "one").File("f", "two").Build());
        Assert.Equal("two", File.ReadAllText(t.Join("f")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    public void Dot_dot_is_refused_naming_the_entry(string name)
    {
        using var t = new TempDir();
        var e = Assert.Throws<LayerEntryException>(() => Extract(t.Join("root"), new LayerBuilder().File(name, "x").Build()));
        Assert.Contains(name, e.Message);
        Assert.False(File.Exists(t.Join("escape")));
    }

    [Fact]
    public void Entry_through_a_symlink_is_refused()
    {
        using var t = new TempDir();
        Directory.CreateDirectory(t.Join("outside"));
        var tar = new LayerBuilder().Symlink("etc", t.Join("outside")).File("etc/passwd", "pwned").Build();
        var e = Assert.Throws<LayerEntryException>(() => Extract(t.Join("root"), tar));
        Assert.Contains("etc/passwd", e.Message);
        Assert.False(File.Exists(t.Join("outside", "passwd")));
    }

    [Fact]
    public void Hard_link_out_of_the_layer_is_refused()
    {
        using var t = new TempDir();
        var e = Assert.Throws<LayerEntryException>(() => Extract(t.Join("root"), new LayerBuilder().HardLink("x", "../../etc/passwd").Build()));
        Assert.Contains("\"x\"", e.Message);
    }

    [Fact]
    public void Diff_id_is_the_digest_of_the_whole_tar()
    {
        using var t = new TempDir();
        var tar = new LayerBuilder().Dir("a").File("a/b", "c").Build();
        Assert.Equal(Digest.Of(tar), Extract(t.Path, tar).DiffId);
    }

    [Fact]
    public void Truncated_tar_is_a_clear_error()
    {
        using var t = new TempDir();
        var tar = new LayerBuilder().File("big", new byte[100_000]).Build();
        var e = Assert.Throws<ImageFormatException>(() => Extract(t.Path, tar[..50_000]));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Tar_without_its_end_of_archive_blocks_is_read_as_umoci_insert_writes_it()
    {
        using var t = new TempDir();
        var tar = new LayerBuilder().Dir("bin").File("bin/busybox", new byte[3000]).Symlink("bin/sh", "busybox").Build();
        Assert.Equal(new byte[1024], tar[^1024..]);
        var cut = tar[..^1024];
        Assert.Equal(Digest.Of(cut), Extract(t.Path, cut).DiffId);
        Assert.Equal(3000, new FileInfo(t.Join("bin", "busybox")).Length);
        Assert.Equal("busybox", new FileInfo(t.Join("bin", "sh")).LinkTarget);
    }

    [Fact]
    public void Tar_cut_at_a_block_boundary_inside_a_file_is_still_truncated()
    {
        using var t = new TempDir();
        var tar = new LayerBuilder().File("big", new byte[100_000]).Build();
        var e = Assert.Throws<ImageFormatException>(() => Extract(t.Path, tar[..(512 * 50)]));
        Assert.Contains("truncated", e.Message);
    }
}
