using Rlrun.Runtime.Process;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Processes;

public class HomeDirectoryTests
{
    const string Passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/srv/app:/bin/sh\n";

    [Theory]
    [InlineData(0u, "/root")]
    [InlineData(65534u, "/nonexistent")]
    [InlineData(1000u, "/srv/app")]
    [InlineData(4242u, "/")]
    public void The_home_is_the_passwd_entry_of_the_uid_else_slash(uint uid, string home) =>
        Assert.Equal(home, HomeDirectory.HomeOf(uid, Passwd));

    [Fact]
    public void Without_a_passwd_file_the_home_is_slash() => Assert.Equal("/", HomeDirectory.HomeOf(0, null));

    [Fact]
    public void The_first_entry_of_a_uid_wins_and_broken_lines_are_skipped() =>
        Assert.Equal("/first", HomeDirectory.HomeOf(7, "junk\nx:x:notanumber:0::/no:/bin/sh\na:x:7:7::/first:/bin/sh\nb:x:7:7::/second:/bin/sh\n"));

    [Fact]
    public void HOME_is_added_when_env_has_none()
    {
        var env = HomeDirectory.WithHome(["PATH=/bin", "TERM=xterm"], 0, () => Passwd);
        Assert.Equal(["PATH=/bin", "TERM=xterm", "HOME=/root"], env);
        Assert.Equal(["HOME=/"], HomeDirectory.WithHome(null, 0, () => null));
    }

    [Fact]
    public void A_HOME_in_env_is_kept_and_passwd_is_not_read()
    {
        var env = HomeDirectory.WithHome(["HOME=/data", "PATH=/bin"], 0, () => throw new InvalidOperationException("read"));
        Assert.Equal(["HOME=/data", "PATH=/bin"], env);
    }

    [Fact]
    public void An_empty_HOME_counts_as_none_and_the_last_HOME_decides()
    {
        Assert.Equal(["PATH=/bin", "HOME=/srv/app"], HomeDirectory.WithHome(["HOME=", "PATH=/bin"], 1000, () => Passwd));
        Assert.Equal(["PATH=/bin", "HOME=/root"], HomeDirectory.WithHome(["HOME=/x", "PATH=/bin", "HOME="], 0, () => Passwd));
        Assert.Equal(["HOME=", "HOME=/y"], HomeDirectory.WithHome(["HOME=", "HOME=/y"], 0, () => Passwd));
    }

    [Fact]
    public void ReadPasswd_reads_a_regular_file_and_refuses_a_fifo_without_blocking()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.Join("passwd"), Passwd);
        Assert.Equal(Passwd, HomeDirectory.ReadPasswd(tmp.Join("passwd")));
        Assert.Null(HomeDirectory.ReadPasswd(tmp.Join("missing")));
        Assert.Equal(0, mkfifo(tmp.Join("fifo"), 0x180));
        Assert.Null(HomeDirectory.ReadPasswd(tmp.Join("fifo")));
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    static extern int mkfifo(string path, int mode);
}
