namespace Rlrun.Cli.Units;

/// <summary>A NAME.container file, read as systemd reads a unit (sections, Key=Value, # and ;
/// comments, a trailing backslash continues the line, a key may repeat): [Container] holds rlrun's
/// keys; [Unit], [Service] and [Install] are copied into the generated unit, as Quadlet does.</summary>
public sealed class ContainerFile
{
    public string Path { get; }
    public string Name { get; }
    /// <summary>Section name -> (key, value, line) in file order.</summary>
    public Dictionary<string, List<(string Key, string Value, int Line)>> Sections { get; } = [];

    public static readonly string[] CopiedSections = ["Unit", "Service", "Install"];

    ContainerFile(string path)
    {
        Path = path;
        Name = System.IO.Path.GetFileNameWithoutExtension(path);
    }

    public static ContainerFile Parse(string path, string text)
    {
        var file = new ContainerFile(path);
        List<(string, string, int)>? section = null;
        var lines = text.Replace("\r", "").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNo = i + 1;
            string line = lines[i].Trim();
            while (line.EndsWith('\\') && i + 1 < lines.Length) line = line[..^1] + " " + lines[++i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                if (!line.EndsWith(']')) throw new UnitFileError(path, lineNo, $"bad section header \"{line}\"");
                string name = line[1..^1];
                if (name != "Container" && !CopiedSections.Contains(name))
                    throw new UnitFileError(path, lineNo, $"unknown section [{name}] (known: [Container], [Unit], [Service], [Install])");
                if (!file.Sections.TryGetValue(name, out section)) file.Sections[name] = section = [];
                continue;
            }
            int eq = line.IndexOf('=');
            if (eq <= 0) throw new UnitFileError(path, lineNo, $"expected Key=Value, got \"{line}\"");
            if (section is null) throw new UnitFileError(path, lineNo, $"\"{line}\" is outside any section (start with [Container])");
            section.Add((line[..eq].Trim(), line[(eq + 1)..].Trim(), lineNo));
        }
        return file;
    }

    public IReadOnlyList<(string Key, string Value, int Line)> Section(string name) =>
        Sections.TryGetValue(name, out var s) ? s : [];
}

/// <summary>A bad .container file: "FILE:LINE: what is wrong".</summary>
public sealed class UnitFileError(string path, int line, string message)
    : Exception(line > 0 ? $"{path}:{line}: {message}" : $"{path}: {message}");
