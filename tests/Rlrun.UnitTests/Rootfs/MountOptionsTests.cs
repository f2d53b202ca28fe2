using Rlrun.Runtime.Rootfs;
using Xunit;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.UnitTests.Rootfs;

public class MountOptionsTests
{
    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<string, ulong> A_flag_option_sets_its_flag_and_nothing_else_Cases => new()
    {
        { "ro", MS_RDONLY },
        { "nosuid", MS_NOSUID },
        { "nodev", MS_NODEV },
        { "noexec", MS_NOEXEC },
        { "sync", MS_SYNCHRONOUS },
        { "dirsync", MS_DIRSYNC },
        { "noatime", MS_NOATIME },
        { "nodiratime", MS_NODIRATIME },
        { "relatime", MS_RELATIME },
        { "strictatime", MS_STRICTATIME },
        { "nosymfollow", MS_NOSYMFOLLOW },
    };

    [Theory]
    [MemberData(nameof(A_flag_option_sets_its_flag_and_nothing_else_Cases))]
    public void A_flag_option_sets_its_flag_and_nothing_else(string option, ulong flag)
    {
        var o = MountOptions.Parse([option]);
        Assert.Equal(flag, o.Flags);
        Assert.Equal(0UL, o.ClearedFlags);
        Assert.Null(o.Data);
        Assert.False(o.Bind);
    }

    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<string, string, ulong> A_later_opposite_option_clears_the_flag_Cases => new()
    {
        { "ro", "rw", MS_RDONLY },
        { "nosuid", "suid", MS_NOSUID },
        { "nodev", "dev", MS_NODEV },
        { "noexec", "exec", MS_NOEXEC },
        { "noatime", "atime", MS_NOATIME },
    };

    [Theory]
    [MemberData(nameof(A_later_opposite_option_clears_the_flag_Cases))]
    public void A_later_opposite_option_clears_the_flag(string set, string clear, ulong flag)
    {
        var cleared = MountOptions.Parse([set, clear]);
        Assert.Equal(0UL, cleared.Flags & flag);
        Assert.Equal(flag, cleared.ClearedFlags & flag);

        var setAgain = MountOptions.Parse([clear, set]);
        Assert.Equal(flag, setAgain.Flags & flag);
        Assert.Equal(0UL, setAgain.ClearedFlags & flag);
    }

    [Fact]
    public void Flags_combine()
    {
        var o = MountOptions.Parse(["nosuid", "noexec", "nodev", "ro"]);
        Assert.Equal(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, o.Flags);
    }

    [Fact]
    public void Bind_and_rbind()
    {
        var bind = MountOptions.Parse(["bind"]);
        Assert.True(bind.Bind);
        Assert.False(bind.Recursive);

        var rbind = MountOptions.Parse(["rbind", "ro"]);
        Assert.True(rbind.Bind);
        Assert.True(rbind.Recursive);
        Assert.Equal(MS_RDONLY, rbind.Flags);
    }

    [Fact]
    public void Type_bind_makes_a_bind_without_the_option()
    {
        Assert.True(MountOptions.Parse(["ro"], "bind").Bind);
        Assert.False(MountOptions.Parse(["ro"], "tmpfs").Bind);
    }

    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<string, ulong> Propagation_options_are_kept_apart_from_the_flags_Cases => new()
    {
        { "private", MS_PRIVATE },
        { "rprivate", MS_PRIVATE | MS_REC },
        { "slave", MS_SLAVE },
        { "rslave", MS_SLAVE | MS_REC },
        { "shared", MS_SHARED },
        { "rshared", MS_SHARED | MS_REC },
        { "unbindable", MS_UNBINDABLE },
        { "runbindable", MS_UNBINDABLE | MS_REC },
    };

    [Theory]
    [MemberData(nameof(Propagation_options_are_kept_apart_from_the_flags_Cases))]
    public void Propagation_options_are_kept_apart_from_the_flags(string option, ulong propagation)
    {
        var o = MountOptions.Parse(["nosuid", option]);
        Assert.Equal(propagation, o.Propagation);
        Assert.Equal(MS_NOSUID, o.Flags);
        Assert.Null(o.Data);
        Assert.True(MountOptions.IsPropagation(option));
        Assert.Equal(propagation, MountOptions.PropagationOf(option));
    }

    [Fact]
    public void The_last_propagation_option_wins()
    {
        Assert.Equal(MS_PRIVATE, MountOptions.Parse(["rshared", "private"]).Propagation);
    }

    [Fact]
    public void Unknown_options_become_the_data_string_in_order()
    {
        var o = MountOptions.Parse(["nosuid", "strictatime", "mode=755", "size=65536k"], "tmpfs");
        Assert.Equal("mode=755,size=65536k", o.Data);
        Assert.Equal(MS_NOSUID | MS_STRICTATIME, o.Flags);
    }

    [Fact]
    public void Runtime_only_options_are_dropped()
    {
        var o = MountOptions.Parse(["tmpcopyup", "notmpcopyup", "defaults", "copy-symlink", "z", "Z", "U", "uid=0"]);
        Assert.Equal("uid=0", o.Data);
        Assert.Equal(0UL, o.Flags);
    }

    [Fact]
    public void No_options_parse_to_nothing()
    {
        var o = MountOptions.Parse(null);
        Assert.Equal(new MountOptions(0, 0, 0, false, false, null), o);
    }

    [Theory]
    [InlineData("rw")]
    [InlineData("sideways")]
    [InlineData("")]
    public void Non_propagation_words_are_not_propagation(string word)
    {
        Assert.False(MountOptions.IsPropagation(word));
    }
}
