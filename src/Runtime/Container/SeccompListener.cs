using System.Net.Sockets;
using System.Text.Json;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>linux.seccomp.listenerPath: the notify fd goes to this unix socket with SCM_RIGHTS, and
/// the runtime spec's container process state as the message.</summary>
public static class SeccompListener
{
    public static void Send(string path, int fd, int pid, string? metadata, ContainerState state, string status)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("ociVersion", state.OciVersion);
            w.WriteStartArray("fds"); w.WriteStringValue("seccompFd"); w.WriteEndArray();
            w.WriteNumber("pid", pid);
            w.WriteString("metadata", metadata ?? "");
            w.WriteStartObject("state");
            w.WriteString("ociVersion", state.OciVersion);
            w.WriteString("id", state.Id);
            w.WriteString("status", status);
            w.WriteNumber("pid", state.Pid);
            w.WriteString("bundle", state.Bundle);
            w.WriteStartObject("annotations");
            foreach (var (k, v) in state.Annotations ?? []) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { socket.Connect(new UnixDomainSocketEndPoint(path)); }
        catch (SocketException e) { throw new IOException($"linux.seccomp.listenerPath {path}: {e.Message}"); }
        FdPassing.Send((int)socket.Handle, fd, ms.ToArray());
    }
}
