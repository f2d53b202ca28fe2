using System.Net.Sockets;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Container;

/// <summary>--console-socket: the pty master is sent to this unix socket with SCM_RIGHTS, the way
/// conmon and `recvtty` receive it from runc.</summary>
public static class ConsoleSocket
{
    public static void Send(string path, int master)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { socket.Connect(new UnixDomainSocketEndPoint(path)); }
        catch (SocketException e) { throw new IOException($"--console-socket {path}: {e.Message}"); }
        FdPassing.Send((int)socket.Handle, master, "/dev/ptmx"u8);
    }

    /// <summary>runc's rules: a detached container with a terminal needs somewhere to send the pty;
    /// a foreground one needs a terminal of ours to connect it to (<see cref="HostTerminal"/>), unless
    /// anyPty (the image form's -t, podman's: it gives a pty whatever the caller has).</summary>
    public static void Check(bool terminal, bool detached, string? consoleSocket, bool anyPty = false)
    {
        if (terminal && detached && consoleSocket is null)
            throw new ArgumentException("cannot allocate tty if rlrun will detach without setting console socket (--console-socket)");
        if (terminal && !detached && consoleSocket is null && !anyPty && HostTerminal.Missing() is { } why)
            throw new ArgumentException($"the process asks for a terminal (process.terminal) but rlrun has none to connect it to ({why}): run it from a terminal, give --console-socket, or set process.terminal to false");
        if (!terminal && consoleSocket is not null)
            throw new ArgumentException("cannot use console socket if rlrun will not allocate a tty (process.terminal is false)");
    }
}
