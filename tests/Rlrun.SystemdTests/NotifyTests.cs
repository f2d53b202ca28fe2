using System.Net.Sockets;
using System.Text;
using Rlrun.Systemd;
using Xunit;

namespace Rlrun.SystemdTests;

public sealed class NotifyTests
{
    [Fact]
    public void Format_OneAssignmentPerLine()
    {
        Assert.Equal("READY=1\nSTATUS=serving on :80\n", NotifyMessage.Format(("READY", "1"), ("STATUS", "serving on :80")));
        Assert.Equal("", NotifyMessage.Format());
    }

    [Theory]
    [InlineData("", "1")]
    [InlineData("A=B", "1")]
    [InlineData("A\nB", "1")]
    [InlineData("STATUS", "two\nlines")]
    public void Format_RefusesWhatSystemdCannotRead(string key, string value) =>
        Assert.Throws<ArgumentException>(() => NotifyMessage.Format((key, value)));

    [Fact]
    public void Parse_ReadsTheAssignments()
    {
        var m = NotifyMessage.Parse("READY=1\nSTATUS=up = running\nMAINPID=4242\nODD\nSTATUS=later\n");
        Assert.True(m.IsReady);
        Assert.Equal("later", m.Status);            // the last one counts
        Assert.Equal(4242, m.MainPid);
        Assert.Equal("", m["ODD"]);
        Assert.Null(m["MISSING"]);
        Assert.False(m.IsStopping);
        Assert.Equal(5, m.Fields.Count);
        Assert.Equal("up = running", m.Fields[1].Value);
        Assert.Null(NotifyMessage.Parse("MAINPID=x").MainPid);
        Assert.True(NotifyMessage.Parse("STOPPING=1").IsStopping);
    }

    [Fact]
    public void EndPoints_PathOrAbstract()
    {
        Assert.Equal("/run/x/notify", SdNotify.EndPointOf("/run/x/notify").ToString());
        var a = SdNotify.EndPointOf("@rlrun/notify");
        Assert.StartsWith("@", a.ToString()); // .NET shows abstract names with a leading '@'
        Assert.Throws<ArgumentException>(() => SdNotify.EndPointOf("relative/path"));
        Assert.Throws<ArgumentException>(() => SdNotify.EndPointOf("@"));
    }

    [Fact]
    public void NoSocket_NothingSent() =>
        Assert.False(SdNotify.Notify("READY=1\n", socket: ""));

    [Fact]
    public void ListenerAtAPath_ReceivesWhatSdNotifySends_AndRemovesItsSocket()
    {
        var dir = Directory.CreateTempSubdirectory("rlrun-notify-").FullName;
        var path = Path.Combine(dir, "notify.sock");
        try
        {
            using (var l = NotifySocketListener.Bind(path))
            {
                Assert.Equal(path, l.Address);
                Assert.Null(l.Receive(TimeSpan.FromMilliseconds(50)));
                Assert.True(SdNotify.Ready("started", socket: path));
                var m = l.Receive(TimeSpan.FromSeconds(5));
                Assert.NotNull(m);
                Assert.True(m!.IsReady);
                Assert.Equal("started", m.Status);
                Assert.Equal("READY=1\nSTATUS=started\n", m.Text);
                Assert.True(SdNotify.MainPid(77, socket: path));
                Assert.Equal(77, l.Receive(TimeSpan.FromSeconds(5))!.MainPid);
                Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(path));
            }
            Assert.False(File.Exists(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ListenerOnAnAbstractName_Works()
    {
        var name = $"@rlrun-test-notify-{Guid.NewGuid():N}";
        using var l = NotifySocketListener.Bind(name);
        Assert.True(SdNotify.Status("abstract", socket: name));
        Assert.Equal("abstract", l.Receive(TimeSpan.FromSeconds(5))!.Status);
    }

    [Fact]
    public async Task ReceiveAsync_Works()
    {
        var name = $"@rlrun-test-notify-{Guid.NewGuid():N}";
        using var l = NotifySocketListener.Bind(name);
        var pending = l.ReceiveAsync().AsTask();
        Assert.True(SdNotify.Stopping(socket: name));
        var m = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(m.IsStopping);
    }

    [Fact]
    public void NotifySocketFromTheEnvironment_IsUsedWhenNoneIsGiven()
    {
        // Only reads NOTIFY_SOCKET; runs the real send through a child-free path: set, send, restore.
        var name = $"@rlrun-test-notify-{Guid.NewGuid():N}";
        using var l = NotifySocketListener.Bind(name);
        var old = Environment.GetEnvironmentVariable(SdNotify.EnvVar);
        try
        {
            Environment.SetEnvironmentVariable(SdNotify.EnvVar, name);
            Assert.True(SdNotify.Notify("WATCHDOG=1\n"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(SdNotify.EnvVar, old);
        }
        Assert.True(l.Receive(TimeSpan.FromSeconds(5))!.IsWatchdog);
    }

    [Fact]
    public void AStaleSocketFile_IsReplaced_AnotherFile_IsNot()
    {
        var dir = Directory.CreateTempSubdirectory("rlrun-notify-").FullName;
        try
        {
            // A socket file nobody has open: bind, move the file away (.NET removes the bound
            // path when the socket is closed), close.
            var stale = Path.Combine(dir, "stale.sock");
            using (var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            {
                var tmp = Path.Combine(dir, "bound.sock");
                s.Bind(new UnixDomainSocketEndPoint(tmp));
                File.Move(tmp, stale);
            }
            Assert.True(File.Exists(stale));
            using (var l = NotifySocketListener.Bind(stale))
            {
                SdNotify.Notify("READY=1\n", stale);
                Assert.True(l.Receive(TimeSpan.FromSeconds(5))!.IsReady);
            }

            var regular = Path.Combine(dir, "regular");
            File.WriteAllText(regular, "");
            Assert.Throws<IOException>(() => NotifySocketListener.Bind(regular));
            Assert.True(File.Exists(regular));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ALongMessage_IsCutAtSystemdsLimit()
    {
        var name = $"@rlrun-test-notify-{Guid.NewGuid():N}";
        using var l = NotifySocketListener.Bind(name);
        var big = "STATUS=" + new string('x', 6000) + "\n";
        Assert.True(SdNotify.Notify(big, name));
        var m = l.Receive(TimeSpan.FromSeconds(5))!;
        Assert.Equal(NotifySocketListener.MaxMessage, Encoding.UTF8.GetByteCount(m.Text));
    }
}
