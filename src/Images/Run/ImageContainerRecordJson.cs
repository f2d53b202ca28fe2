using System.Text.Json;
using static Rlrun.Runtime.Spec.JsonTokens;
using static Rlrun.Images.Store.LenientJsonReader;

namespace Rlrun.Images.Run;

/// <summary>image.json read and written by hand with Utf8JsonReader/Utf8JsonWriter: every image run
/// writes it, and System.Text.Json's first use of a context in a NativeAOT process builds its metadata
/// at a cost the run would pay. The bytes are those the context wrote (its names in declaration order,
/// a null written as null, indented, the default encoder's escapes; ImageContainerRecordJsonTests keeps
/// the two equal), and it reads what the context read: unknown names skipped, the last of a duplicate
/// wins, a null kept as null, no comments.</summary>
public static class ImageContainerRecordJson
{
    public static byte[] Serialize(ImageContainerRecord x)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            Write(w, "id", x.Id);
            Write(w, "image", x.Image);
            Write(w, "image_id", x.ImageId);
            Write(w, "store", x.Store);
            Write(w, "driver", x.Driver);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The record, or null for a document that is just null.</summary>
    /// <exception cref="JsonException">not JSON, or a field of the wrong type</exception>
    public static ImageContainerRecord? Read(ReadOnlySpan<byte> json) => Document(json, Record);

    static ImageContainerRecord Record(ref Utf8JsonReader r)
    {
        var x = new ImageContainerRecord();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "id": x.Id = Str(ref r)!; break;
                case "image": x.Image = Str(ref r)!; break;
                case "image_id": x.ImageId = Str(ref r)!; break;
                case "store": x.Store = Str(ref r)!; break;
                case "driver": x.Driver = Str(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return x;
    }

    static void Write(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }
}
