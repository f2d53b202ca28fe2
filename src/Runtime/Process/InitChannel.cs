using System.Text;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>Frame types on the init socket; 1-5 are shared with nsstage.c.</summary>
public enum FrameType : uint
{
    Plan = 1, MapRequest = 2, MapDone = 3, Pid = 4, Error = 5,
    Config = 6,   // stage 0 -> 2: InitConfig JSON
    Created = 7,  // stage 2 -> 0: the container is set up, blocked before exec
    Start = 8,    // stage 0 -> 2: go on to exec (run; create uses the exec fifo)
    Debug = 9,    // stage 2 -> 0: a line for --debug
    Console = 10, // stage 2 -> 0: the pty master, as SCM_RIGHTS on the frame's one payload byte
    SeccompListener = 11, // stage 2 -> 0: the seccomp notify fd, likewise
    RuntimeHooks = 12,    // stage 2 -> 0: run prestart and createRuntime now (mounts made, before pivot_root)
    HooksDone = 13,       // stage 0 -> 2: they ran; the payload is the error when one failed
    Committed = 14,       // stage 0 -> 2 (create): state.json is written; only then wait on the exec fifo
}

public readonly record struct Frame(FrameType Type, byte[] Payload, int Fd = -1);

/// <summary>The init socket between stage 0 and the init: uint32 type, uint32 length, payload.</summary>
public sealed class InitChannel(int fd) : IDisposable
{
    const int MaxPayload = 16 << 20;

    public int Fd => fd;

    public void Send(FrameType type, ReadOnlySpan<byte> payload = default)
    {
        Span<byte> header = stackalloc byte[8];
        BitConverter.TryWriteBytes(header, (uint)type);
        BitConverter.TryWriteBytes(header[4..], (uint)payload.Length);
        Libc.WriteAll(fd, header, "init socket");
        if (payload.Length > 0) Libc.WriteAll(fd, payload, "init socket");
    }

    public void Send(FrameType type, string text) => Send(type, Encoding.UTF8.GetBytes(text));

    /// <summary>Sends a frame whose one payload byte carries fd (SCM_RIGHTS).</summary>
    public void SendFd(FrameType type, int fdToSend)
    {
        Span<byte> header = stackalloc byte[8];
        BitConverter.TryWriteBytes(header, (uint)type);
        BitConverter.TryWriteBytes(header[4..], 1u);
        Libc.WriteAll(fd, header, "init socket");
        FdPassing.Send(fd, fdToSend, "c"u8);
    }

    /// <summary>The next frame, or null when the other side closed the socket. A Console frame's
    /// fd arrives with its payload byte.</summary>
    public Frame? Receive()
    {
        Span<byte> header = stackalloc byte[8];
        if (!Libc.ReadExact(fd, header, "init socket")) return null;
        var type = (FrameType)BitConverter.ToUInt32(header);
        int length = (int)BitConverter.ToUInt32(header[4..]);
        if (length is < 0 or > MaxPayload) throw new IOException($"init socket: frame of {length} bytes");
        if (type is FrameType.Console or FrameType.SeccompListener)
        {
            Span<byte> one = stackalloc byte[1];
            int received = FdPassing.Receive(fd, one, out int n);
            if (n != 1 || received < 0) throw new IOException("init socket: the console frame carried no fd");
            return new Frame(type, [], received);
        }
        var payload = new byte[length];
        if (length > 0 && !Libc.ReadExact(fd, payload, "init socket")) throw new IOException("init socket: closed mid-frame");
        return new Frame(type, payload);
    }

    public void Dispose() => Libc.close(fd);
}
