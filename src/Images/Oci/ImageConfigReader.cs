using System.Text.Json;
using static Rlrun.Runtime.Spec.JsonTokens;
using static Rlrun.Images.Store.LenientJsonReader;

namespace Rlrun.Images.Oci;

/// <summary>An image's config blob read by hand for an image run (ImageBundle.ReadConfig): once the
/// index is read by hand, OciJsonContext's first use is the first of the run's System.Text.Json and
/// pays the shared metadata building, ~2.6 ms. Reads what OciJsonContext read (LenientJsonReader);
/// errors are SpecJsonError or the reader's JsonException, as the context's were JsonException.</summary>
public static class ImageConfigReader
{
    /// <summary>The config, or null for a document that is just null.</summary>
    public static ImageConfig? Read(ReadOnlySpan<byte> json) => Document(json, Config);

    static ImageConfig Config(ref Utf8JsonReader r)
    {
        var c = new ImageConfig();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "created": c.Created = IsNull(ref r) ? null : Time(ref r); break;
                case "architecture": c.Architecture = Str(ref r); break;
                case "os": c.Os = Str(ref r); break;
                case "config": c.Config = IsNull(ref r) ? null : RunConfig(ref r); break;
                case "rootfs": c.RootFs = IsNull(ref r) ? null : RootFs(ref r); break;
                default: r.Skip(); break;
            }
        }
        return c;
    }

    static ImageRunConfig RunConfig(ref Utf8JsonReader r)
    {
        var c = new ImageRunConfig();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "User": c.User = Str(ref r); break;
                case "Env": c.Env = List(ref r, Str)!; break;
                case "Entrypoint": c.Entrypoint = List(ref r, Str)!; break;
                case "Cmd": c.Cmd = List(ref r, Str)!; break;
                case "WorkingDir": c.WorkingDir = Str(ref r); break;
                case "Labels": c.Labels = Map<string>(ref r, Str)!; break;
                case "StopSignal": c.StopSignal = Str(ref r); break;
                default: r.Skip(); break;
            }
        }
        return c;
    }

    static RootFs RootFs(ref Utf8JsonReader r)
    {
        var f = new RootFs();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "type": f.Type = Str(ref r); break;
                case "diff_ids": f.DiffIds = List(ref r, Str)!; break;
                default: r.Skip(); break;
            }
        }
        return f;
    }
}
