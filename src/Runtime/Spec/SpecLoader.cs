using System.Text.Json;

namespace Rlrun.Runtime.Spec;

/// <summary>Reads a bundle's config.json and checks it can be run.</summary>
public static class SpecLoader
{
    public static OciSpec Load(string configPath)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(configPath); }
        catch (FileNotFoundException) { throw new SpecError($"{configPath}: no such file (is the bundle path right?)"); }
        catch (DirectoryNotFoundException) { throw new SpecError($"{configPath}: no such file (is the bundle path right?)"); }
        catch (UnauthorizedAccessException) { throw new SpecError($"{configPath}: permission denied"); }
        return Parse(bytes, configPath);
    }

    public static OciSpec Parse(ReadOnlySpan<byte> json, string name)
    {
        OciSpec? spec;
        try { spec = SpecJsonReader.ReadSpec(json); }
        catch (JsonException e) { throw new SpecError(SpecJsonError.Describe(json, name, "config", e)); }
        if (spec is null) throw new SpecError($"{name}: the document is null, expected an object");
        SpecValidator.Validate(spec, name);
        return spec;
    }

    /// <summary>`exec --process`'s process.json; checked by ExecProcessBuilder once the flags are applied.</summary>
    public static SpecProcess ParseProcess(ReadOnlySpan<byte> json, string name)
    {
        SpecProcess? process;
        try { process = SpecJsonReader.ReadProcess(json); }
        catch (JsonException e) { throw new SpecError(SpecJsonError.Describe(json, name, "process", e)); }
        return process ?? throw new SpecError($"{name}: the document is null, expected an object");
    }

    /// <summary>`update -r`'s linux.resources; null for a document that is just null.</summary>
    public static SpecResources? ParseResources(ReadOnlySpan<byte> json, string name)
    {
        try { return SpecJsonReader.ReadResources(json); }
        catch (JsonException e) { throw new SpecError(SpecJsonError.Describe(json, name, "resources", e)); }
    }
}
