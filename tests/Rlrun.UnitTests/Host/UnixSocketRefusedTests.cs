using System.Net.Sockets;
using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

/// <summary>UnixSocketCalls.Refused tells a socket file whose listener is gone (a stopped user
/// manager's $XDG_RUNTIME_DIR/bus) from one that is listened on, so auto mode skips the bus
/// library's failing connect.</summary>
public sealed class UnixSocketRefusedTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rlrun-refused-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_listened_socket_is_not_refused()
    {
        string path = Path.Join(dir, "bus");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        Assert.False(UnixSocketCalls.Refused(path));
    }

    [Fact]
    public void A_socket_file_whose_listener_is_gone_is_refused()
    {
        string path = Path.Join(dir, "bus");
        // .NET unlinks the file it bound when the socket closes; a manager killed -9 does not:
        // the file is renamed away from .NET's record before the close.
        using (var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            string bound = Path.Join(dir, "bound");
            listener.Bind(new UnixDomainSocketEndPoint(bound));
            listener.Listen(4);
            File.Move(bound, path);
            Assert.False(UnixSocketCalls.Refused(path));
        }
        Assert.True(File.Exists(path), "the socket file stays after its listener closed");
        Assert.True(UnixSocketCalls.Refused(path));
    }

    [Fact]
    public void No_file_is_refused_and_a_regular_file_is_not_a_listener()
    {
        Assert.True(UnixSocketCalls.Refused(Path.Join(dir, "none")));
        string file = Path.Join(dir, "plain");
        File.WriteAllText(file, "");
        // connect(2) to a regular file is ECONNREFUSED too: no listener there either.
        Assert.True(UnixSocketCalls.Refused(file));
    }
}
