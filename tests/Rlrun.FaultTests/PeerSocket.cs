using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Rlrun.IntegrationTests.Harness;

namespace Rlrun.FaultTests;

/// <summary>A connection to the daemon's socket as the test user, from inside the test process: the
/// daemon serves only its own uid (SO_PEERCRED, taken at connect), and 1,000 helper processes would
/// cost more than the probe. As root the connecting thread alone takes the user's euid for the
/// connect (the raw setresuid system call changes only the calling thread, unlike glibc's) and
/// takes root back after; the saved uid stays 0.</summary>
public static partial class PeerSocket
{
    const long SYS_setresuid = 117;
    static readonly object Gate = new();

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long a, long b, long c);

    public static Socket Connect(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (!Host.SwitchesUser)
        {
            s.Connect(new UnixDomainSocketEndPoint(path));
            return s;
        }
        lock (Gate)
        {
            if (syscall(SYS_setresuid, -1, Host.Uid, -1) != 0) throw new InvalidOperationException($"setresuid: errno {Marshal.GetLastPInvokeError()}");
            try { s.Connect(new UnixDomainSocketEndPoint(path)); }
            finally
            {
                if (syscall(SYS_setresuid, -1, 0, -1) != 0) Environment.FailFast("cannot take root back after a connect as the test user");
            }
        }
        return s;
    }

    public static void SendLine(Socket s, string line) => s.Send(Encoding.UTF8.GetBytes(line + "\n"));

    /// <summary>One answer line, or null when the daemon closed the connection first.</summary>
    public static string? ReadLine(Socket s, TimeSpan timeout)
    {
        s.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int n;
            try { n = s.Receive(one); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { n = 0; }
            if (n == 0) return line.Count == 0 ? null : Encoding.UTF8.GetString(line.ToArray());
            if (one[0] == '\n') return Encoding.UTF8.GetString(line.ToArray());
            line.Add(one[0]);
        }
    }

    /// <summary>True when the daemon has closed its end (a read returns end of stream or a reset).</summary>
    public static bool ClosedByPeer(Socket s, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var buf = new byte[65536];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (!s.Poll(200_000, SelectMode.SelectRead)) continue;
                if (s.Receive(buf) == 0) return true;
            }
            catch (SocketException) { return true; }
        }
        return false;
    }
}
