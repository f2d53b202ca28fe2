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
        try { spec = JsonSerializer.Deserialize(json, SpecJsonContext.Default.OciSpec); }
        catch (JsonException e) { throw new SpecError(Describe(e, name)); }
        if (spec is null) throw new SpecError($"{name}: the document is null, expected an object");
        SpecValidator.Validate(spec, name);
        return spec;
    }

    // "config.json:3:17: field process.args: ..." — the line and column are 1-based, as editors show them.
    static string Describe(JsonException e, string name)
    {
        string where = e.LineNumber is long line ? $"{name}:{line + 1}:{(e.BytePositionInLine ?? 0) + 1}" : name;
        string field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" field {e.Path.TrimStart('$', '.')}:";
        string reason = e.Message;
        int cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) reason = reason[..cut];
        foreach (var (type, words) in TypeWords) reason = reason.Replace(type, words);
        return $"{where}:{field} invalid config: {reason.TrimEnd('.')}";
    }

    static readonly (string, string)[] TypeWords =
    [
        ("System.Collections.Generic.List`1[System.String]", "an array of strings"),
        ("System.Collections.Generic.List`1[System.UInt32]", "an array of non-negative integers"),
        ("System.Collections.Generic.Dictionary`2[System.String,System.String]", "an object of strings"),
        ("System.String", "a string"), ("System.UInt32", "a non-negative 32-bit integer"),
        ("System.UInt64", "a non-negative integer"), ("System.Int64", "an integer"), ("System.Int32", "an integer"),
        ("System.Boolean", "true or false"), ("Rlrun.Runtime.Spec.", ""),
    ];
}
