using System.Runtime.InteropServices;

namespace Rlrun.Systemd.Interop;

/// <summary>
/// sd_bus_message building and reading (non-variadic). Types are D-Bus type characters passed as
/// a C char. append_basic: for 's', 'o', 'g' p is the string itself; for the others p points to
/// the value ('b' is a 32-bit int). read_basic: p points to storage of the type ('s', 'o', 'g':
/// a const char* borrowed from the message); it answers 0 at the end of the current container.
/// </summary>
internal static unsafe partial class SdBusMessage
{
    private const string Lib = SdBus.Lib;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sd_bus_message_new_method_call(IntPtr bus, out IntPtr m,
        string destination, string path, string @interface, string member);

    [LibraryImport(Lib)]
    public static partial int sd_bus_message_append_basic(IntPtr m, byte type, void* p);

    [LibraryImport(Lib)]
    public static partial int sd_bus_message_append_array(IntPtr m, byte type, void* ptr, nuint size);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sd_bus_message_open_container(IntPtr m, byte type, string contents);

    [LibraryImport(Lib)]
    public static partial int sd_bus_message_close_container(IntPtr m);

    [LibraryImport(Lib)]
    public static partial int sd_bus_message_read_basic(IntPtr m, byte type, void* p);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sd_bus_message_enter_container(IntPtr m, byte type, string? contents);

    [LibraryImport(Lib)]
    public static partial int sd_bus_message_exit_container(IntPtr m);

    /// <summary>type and contents may be null; contents is borrowed from the message.</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_message_peek_type(IntPtr m, byte* type, IntPtr* contents);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sd_bus_message_skip(IntPtr m, string? types);

    [LibraryImport(Lib)]
    public static partial IntPtr sd_bus_message_unref(IntPtr m);

    [LibraryImport(Lib)]
    public static partial IntPtr sd_bus_message_ref(IntPtr m);

    /// <summary>The error of an error reply (borrowed), null for another message.</summary>
    [LibraryImport(Lib)]
    public static partial SdBusErrorNative* sd_bus_message_get_error(IntPtr m);

    /// <summary>The errno an error reply maps to (positive), 0 for another message.</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_message_get_errno(IntPtr m);

    /// <summary>Freezes a message as sending would (tests read back what was built).</summary>
    [LibraryImport(Lib)]
    public static partial int sd_bus_message_seal(IntPtr m, ulong cookie, ulong timeout_usec);

    [LibraryImport(Lib)]
    public static partial int sd_bus_message_rewind(IntPtr m, int complete);

    /// <summary>The message's signature (borrowed); complete=1: the whole body.</summary>
    [LibraryImport(Lib)]
    public static partial IntPtr sd_bus_message_get_signature(IntPtr m, int complete);
}
