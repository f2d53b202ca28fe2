using System.Text.Json;
using static Rlrun.Runtime.Spec.JsonTokens;
using static Rlrun.Images.Store.LenientJsonReader;

namespace Rlrun.Images.Store;

/// <summary>index.json read by hand with Utf8JsonReader: every image run reads it, and in a NativeAOT
/// process System.Text.Json's first use of StoreJsonContext builds the metadata of the index's types
/// by reflection, ~3 ms of a warm image run. It reads what StoreJsonContext read (the names as
/// written, case-sensitive; unknown ones skipped; the last of a duplicate wins; no comments; a null
/// kept where the model's field is a reference, as that context kept it). Errors are SpecJsonError at
/// the offending token, or the reader's own JsonException (SpecJsonError.Describe places either).
/// Writing the index stays with StoreJsonContext: only import, rmi and prune write it.</summary>
public static class StoreIndexReader
{
    /// <summary>The index, or null for a document that is just null.</summary>
    public static StoreIndex? Read(ReadOnlySpan<byte> json) => Document(json, Index);

    static StoreIndex Index(ref Utf8JsonReader r)
    {
        var x = new StoreIndex();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "images": x.Images = List(ref r, Image)!; break;
                case "layers": x.Layers = Map(ref r, Layer)!; break;
                default: r.Skip(); break;
            }
        }
        return x;
    }

    static ImageRecord Image(ref Utf8JsonReader r)
    {
        var i = new ImageRecord();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "id": i.Id = Str(ref r)!; break;
                case "manifest_digest": i.ManifestDigest = Str(ref r)!; break;
                case "manifest_media_type": i.ManifestMediaType = Str(ref r)!; break;
                case "config_digest": i.ConfigDigest = Str(ref r)!; break;
                case "layers": i.Layers = List(ref r, ImageLayer)!; break;
                case "names": i.Names = List(ref r, Str)!; break;
                case "created": i.Created = IsNull(ref r) ? null : Time(ref r); break;
                case "imported": i.Imported = Time(ref r); break;
                case "size": i.Size = I64(ref r); break;
                case "users": i.Users = List(ref r, Str)!; break;
                default: r.Skip(); break;
            }
        }
        return i;
    }

    static ImageLayer ImageLayer(ref Utf8JsonReader r)
    {
        var l = new ImageLayer();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "digest": l.Digest = Str(ref r)!; break;
                case "diff_id": l.DiffId = Str(ref r)!; break;
                case "media_type": l.MediaType = Str(ref r)!; break;
                case "size": l.Size = I64(ref r); break;
                default: r.Skip(); break;
            }
        }
        return l;
    }

    static LayerRecord Layer(ref Utf8JsonReader r)
    {
        var l = new LayerRecord();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "diff_id": l.DiffId = Str(ref r)!; break;
                case "refs": l.Refs = I32(ref r); break;
                case "size": l.Size = I64(ref r); break;
                case "format": l.Format = Str(ref r)!; break;
                case "uid_map": l.UidMap = Str(ref r)!; break;
                case "gid_map": l.GidMap = Str(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return l;
    }
}
