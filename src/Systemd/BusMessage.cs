using System.Runtime.InteropServices;
using System.Text;
using Rlrun.Systemd.Interop;

namespace Rlrun.Systemd;

/// <summary>
/// An owned sd_bus_message: typed append and read helpers over the non-variadic calls. A failed
/// call throws a SystemdException naming <see cref="Context"/> and the operation.
/// </summary>
internal sealed unsafe class BusMessage : IDisposable
{
    public IntPtr Handle { get; private set; }
    public string Context { get; }
    private readonly bool _owned;

    /// <summary>owned: Dispose drops the reference (false for a message borrowed in a callback).</summary>
    public BusMessage(IntPtr handle, string context, bool owned = true)
    {
        Handle = handle;
        Context = context;
        _owned = owned;
    }

    public void Dispose()
    {
        if (_owned && Handle != IntPtr.Zero) SdBusMessage.sd_bus_message_unref(Handle);
        Handle = IntPtr.Zero;
    }

    private void Check(int r, string what)
    {
        if (r < 0) throw new SystemdException($"{Context}: {what}", -r);
    }

    // ---- building ----

    public void AppendString(string s) => AppendStringLike((byte)'s', s);
    public void AppendObjectPath(string s) => AppendStringLike((byte)'o', s);

    private void AppendStringLike(byte type, string s)
    {
        if (s.Contains('\0')) throw new ArgumentException($"{Context}: a D-Bus string cannot hold NUL: {s}");
        var bytes = Encoding.UTF8.GetBytes(s + "\0");
        fixed (byte* p = bytes)
            Check(SdBusMessage.sd_bus_message_append_basic(Handle, type, p), $"append '{(char)type}'");
    }

    public void AppendBool(bool b)
    {
        int v = b ? 1 : 0;
        Check(SdBusMessage.sd_bus_message_append_basic(Handle, (byte)'b', &v), "append 'b'");
    }

    public void AppendUInt32(uint v) => Check(SdBusMessage.sd_bus_message_append_basic(Handle, (byte)'u', &v), "append 'u'");
    public void AppendInt32(int v) => Check(SdBusMessage.sd_bus_message_append_basic(Handle, (byte)'i', &v), "append 'i'");
    public void AppendUInt64(ulong v) => Check(SdBusMessage.sd_bus_message_append_basic(Handle, (byte)'t', &v), "append 't'");
    public void AppendInt64(long v) => Check(SdBusMessage.sd_bus_message_append_basic(Handle, (byte)'x', &v), "append 'x'");
    public void AppendDouble(double v) => Check(SdBusMessage.sd_bus_message_append_basic(Handle, (byte)'d', &v), "append 'd'");

    /// <summary>An "ay" in one call.</summary>
    public void AppendByteArray(ReadOnlySpan<byte> bytes)
    {
        byte dummy = 0;
        fixed (byte* p = bytes)
            Check(SdBusMessage.sd_bus_message_append_array(Handle, (byte)'y', p == null ? &dummy : p, (nuint)bytes.Length), "append 'ay'");
    }

    public void OpenContainer(char type, string contents) =>
        Check(SdBusMessage.sd_bus_message_open_container(Handle, (byte)type, contents), $"open container '{type}' \"{contents}\"");

    public void CloseContainer() => Check(SdBusMessage.sd_bus_message_close_container(Handle), "close container");

    /// <summary>One property as the (sv) of an a(sv): name, then the value in a variant of its signature.</summary>
    public void AppendProperty(UnitProperty p)
    {
        OpenContainer('r', "sv");
        AppendString(p.Name);
        OpenContainer('v', p.Signature);
        p.AppendValue(this);
        CloseContainer();
        CloseContainer();
    }

    /// <summary>Seals the message (as sending does) and rewinds it for reading: lets tests read
    /// back what was built.</summary>
    internal void SealAndRewind()
    {
        Check(SdBusMessage.sd_bus_message_seal(Handle, 1, 0), "seal");
        Check(SdBusMessage.sd_bus_message_rewind(Handle, 1), "rewind");
    }

    /// <summary>The whole body's signature.</summary>
    public string Signature => Marshal.PtrToStringUTF8(SdBusMessage.sd_bus_message_get_signature(Handle, 1)) ?? "";

    // ---- reading ----

    /// <summary>The type of the next element ('\0' at the end of the container) and, for a
    /// container, its contents signature.</summary>
    public (char Type, string? Contents) Peek()
    {
        byte t = 0;
        IntPtr contents = IntPtr.Zero;
        int r = SdBusMessage.sd_bus_message_peek_type(Handle, &t, &contents);
        Check(r, "peek type");
        if (r == 0) return ('\0', null);
        return ((char)t, contents == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(contents));
    }

    public string ReadString() => ReadStringLike((byte)'s');
    public string ReadObjectPath() => ReadStringLike((byte)'o');

    private string ReadStringLike(byte type)
    {
        IntPtr p = IntPtr.Zero;
        int r = SdBusMessage.sd_bus_message_read_basic(Handle, type, &p);
        Check(r, $"read '{(char)type}'");
        if (r == 0) throw new SystemdException($"{Context}: read '{(char)type}'", Errnos.ENXIO, message: $"{Context}: expected '{(char)type}', found the end of the message");
        return Marshal.PtrToStringUTF8(p) ?? "";
    }

    public bool ReadBool() { int v = 0; ReadBasic((byte)'b', &v); return v != 0; }
    public uint ReadUInt32() { uint v = 0; ReadBasic((byte)'u', &v); return v; }
    public int ReadInt32() { int v = 0; ReadBasic((byte)'i', &v); return v; }
    public ulong ReadUInt64() { ulong v = 0; ReadBasic((byte)'t', &v); return v; }
    public long ReadInt64() { long v = 0; ReadBasic((byte)'x', &v); return v; }
    public double ReadDouble() { double v = 0; ReadBasic((byte)'d', &v); return v; }
    public byte ReadByte() { byte v = 0; ReadBasic((byte)'y', &v); return v; }

    private void ReadBasic(byte type, void* p)
    {
        int r = SdBusMessage.sd_bus_message_read_basic(Handle, type, p);
        Check(r, $"read '{(char)type}'");
        if (r == 0) throw new SystemdException($"{Context}: read '{(char)type}'", Errnos.ENXIO, message: $"{Context}: expected '{(char)type}', found the end of the message");
    }

    /// <summary>Answers false at the end of the enclosing container.</summary>
    public bool EnterContainer(char type, string? contents)
    {
        int r = SdBusMessage.sd_bus_message_enter_container(Handle, (byte)type, contents);
        Check(r, $"enter container '{type}' \"{contents}\"");
        return r > 0;
    }

    public void ExitContainer() => Check(SdBusMessage.sd_bus_message_exit_container(Handle), "exit container");

    public void Skip(string? types) => Check(SdBusMessage.sd_bus_message_skip(Handle, types), $"skip \"{types}\"");

    /// <summary>Reads the next element, a basic type or an array of one ("as", "au", "ay", "at"),
    /// into a <see cref="BusValue"/>; other containers are skipped and answered as Unsupported.</summary>
    public BusValue ReadValue()
    {
        var (type, contents) = Peek();
        switch (type)
        {
            case 'b': return BusValue.Of(ReadBool());
            case 'y': return new BusValue("y", (ulong)ReadByte());
            case 'u': return new BusValue("u", (ulong)ReadUInt32());
            case 'q': { ushort v = 0; ReadBasic((byte)'q', &v); return new BusValue("q", (ulong)v); }
            case 't': return BusValue.Of(ReadUInt64());
            case 'i': return new BusValue("i", (long)ReadInt32());
            case 'n': { short v = 0; ReadBasic((byte)'n', &v); return new BusValue("n", (long)v); }
            case 'x': return new BusValue("x", ReadInt64());
            case 'd': return new BusValue("d", ReadDouble());
            case 's': return BusValue.Of(ReadString());
            case 'o': return new BusValue("o", ReadObjectPath());
            case 'g': return new BusValue("g", ReadStringLike((byte)'g'));
            case 'v':
            {
                EnterContainer('v', contents);
                var inner = ReadValue();
                ExitContainer();
                return inner;
            }
            case 'a' when contents is "s" or "o":
            {
                var list = new List<string>();
                EnterContainer('a', contents);
                while (Peek().Type != '\0') list.Add(ReadStringLike((byte)contents[0]));
                ExitContainer();
                return new BusValue("a" + contents, list.ToArray());
            }
            case 'a' when contents is "y" or "u" or "t" or "q":
            {
                var list = new List<ulong>();
                EnterContainer('a', contents);
                while (Peek().Type != '\0') list.Add(ReadValue().AsUInt64());
                ExitContainer();
                return new BusValue("a" + contents, list.ToArray());
            }
            case '\0':
                throw new SystemdException($"{Context}: read value", Errnos.ENXIO, message: $"{Context}: expected a value, found the end of the message");
            default:
            {
                string sig = type is 'a' ? "a" + contents : type is 'r' ? "(" + contents + ")" : type is 'e' ? "{" + contents + "}" : type.ToString();
                Skip(sig);
                return new BusValue(sig, (object?)null);
            }
        }
    }
}
