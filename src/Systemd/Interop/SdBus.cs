using System.Runtime.InteropServices;

namespace Rlrun.Systemd.Interop;

/// <summary>
/// sd-bus connection calls of libsystemd.so.0. Non-variadic functions only: the variadic ones
/// (sd_bus_call_method, sd_bus_message_append, sd_bus_message_read) cannot be called safely
/// through LibraryImport. Every int-returning call answers a negative errno on failure.
/// An sd_bus object is not thread-safe: one thread at a time (SystemdBus serialises).
/// </summary>
internal static unsafe partial class SdBus
{
    public const string Lib = "libsystemd.so.0";

    [LibraryImport(Lib)]
    public static partial int sd_bus_open_user(out IntPtr bus);

    [LibraryImport(Lib)]
    public static partial int sd_bus_open_system(out IntPtr bus);

    [LibraryImport(Lib)]
    public static partial int sd_bus_new(out IntPtr bus);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sd_bus_set_address(IntPtr bus, string address);

    [LibraryImport(Lib)]
    public static partial int sd_bus_set_bus_client(IntPtr bus, int b);

    [LibraryImport(Lib)]
    public static partial int sd_bus_is_bus_client(IntPtr bus);

    [LibraryImport(Lib)]
    public static partial int sd_bus_start(IntPtr bus);

    /// <summary>&gt;0 once the connection is authenticated (and, on a bus, Hello answered).</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_is_ready(IntPtr bus);

    /// <summary>Uses already connected fds (the bus owns and closes them).</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_set_fd(IntPtr bus, int input_fd, int output_fd);

    [LibraryImport(Lib)]
    public static partial void sd_bus_close(IntPtr bus);

    /// <summary>Flushes queued messages, closes and drops the reference: the usual way to end.</summary>
    [LibraryImport(Lib)]
    public static partial IntPtr sd_bus_flush_close_unref(IntPtr bus);

    [LibraryImport(Lib)]
    public static partial IntPtr sd_bus_unref(IntPtr bus);

    /// <summary>unique is borrowed from the bus (valid while it lives).</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_get_unique_name(IntPtr bus, out IntPtr unique);

    /// <summary>A blocking method call: waits at most usec (0: sd-bus's default of 25 s) for the
    /// reply; on a D-Bus error answers a negative errno and fills error. Not used: its poll
    /// fails with EINTR on any signal (SIGCHLD...) after the call was sent (SystemdBus.Call
    /// uses sd_bus_call_async and its own wait loop instead).</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_call(IntPtr bus, IntPtr m, ulong usec, SdBusErrorNative* error, out IntPtr reply);

    /// <summary>Dispatches one queued or incoming message (match callbacks run here). Answers &gt;0
    /// when it did something (call again), 0 when there was nothing to do. r may be null.</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_process(IntPtr bus, IntPtr* r);

    /// <summary>Waits until the connection has something to process or timeout_usec passed
    /// (ulong.MaxValue: forever). Answers &gt;0 when woken, 0 on time-out.</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_wait(IntPtr bus, ulong timeout_usec);

    /// <summary>Installs a match (synchronously: AddMatch on the bus daemon is done when this
    /// returns). callback is sd_bus_message_handler_t: int (*)(sd_bus_message*, void*, sd_bus_error*).</summary>
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sd_bus_add_match(IntPtr bus, out IntPtr slot, string match,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, int> callback, IntPtr userdata);

    /// <summary>As sd_bus_add_match, without waiting for the bus daemon's AddMatch answer (it is
    /// sent ahead of anything sent later on the connection, so the daemon has the match before
    /// it sees the next call). install_callback null: sd-bus closes the connection if the match
    /// cannot be installed.</summary>
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sd_bus_add_match_async(IntPtr bus, out IntPtr slot, string match,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, int> callback,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, int> install_callback, IntPtr userdata);

    /// <summary>Sends a method call; callback runs (from sd_bus_process) with the reply, an error
    /// reply, or a synthesized org.freedesktop.DBus.Error.NoReply after usec.</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_call_async(IntPtr bus, out IntPtr slot, IntPtr m,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, int> callback, IntPtr userdata, ulong usec);

    [LibraryImport(Lib)]
    public static partial IntPtr sd_bus_slot_unref(IntPtr slot);
}
