using System.Runtime.InteropServices;

namespace Rlrun.Systemd.Interop;

/// <summary>sd_bus_error as libsystemd lays it out: { const char *name; const char *message; int _need_free; }.
/// Start zeroed (SD_BUS_ERROR_NULL); free with sd_bus_error_free after a failed call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SdBusErrorNative
{
    public IntPtr Name;
    public IntPtr Message;
    public int NeedFree;
}

internal static unsafe partial class SdBusErrors
{
    [LibraryImport(SdBus.Lib)]
    public static partial void sd_bus_error_free(SdBusErrorNative* e);

    [LibraryImport(SdBus.Lib)]
    public static partial int sd_bus_error_is_set(SdBusErrorNative* e);

    /// <summary>Copies name and message out of e (when set) and frees it.</summary>
    public static (string? Name, string? Message) TakeAndFree(SdBusErrorNative* e)
    {
        string? name = null, message = null;
        if (e->Name != IntPtr.Zero) name = Marshal.PtrToStringUTF8(e->Name);
        if (e->Message != IntPtr.Zero) message = Marshal.PtrToStringUTF8(e->Message);
        sd_bus_error_free(e);
        return (name, message);
    }
}
