namespace Rlrun.Cli.Units;

/// <summary>The systemd user generator (/usr/lib/systemd/user-generators/rlrun-user-generator runs
/// `rlrun generate units OUTDIR`): each ~/.config/containers/rlrun/NAME.container becomes
/// OUTDIR/rlrun-NAME.service, enabled through links for its [Install] section. A bad file is
/// reported (FILE:LINE: what) and skipped; the others are still written.</summary>
public static class UnitGenerator
{
    public static string DefaultSource()
    {
        string config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x
            : Path.Join(Environment.GetEnvironmentVariable("HOME") ?? "/nonexistent", ".config");
        return Path.Join(config, "containers", "rlrun");
    }

    /// <returns>the number of files that could not be turned into units</returns>
    public static int Generate(string source, string outDir, string rlrun, Action<string> error)
    {
        if (!Directory.Exists(source)) return 0;
        int failed = 0;
        foreach (var path in Directory.GetFiles(source, "*.container").Order(StringComparer.Ordinal))
        {
            try
            {
                var file = ContainerFile.Parse(path, File.ReadAllText(path));
                string unit = ContainerUnit.Render(file, rlrun);
                string name = ContainerUnit.ServiceName(file);
                Directory.CreateDirectory(outDir);
                File.WriteAllText(Path.Join(outDir, name), unit);
                foreach (var (target, kind) in ContainerUnit.InstallLinks(file))
                {
                    string dir = Path.Join(outDir, $"{target}.{kind}");
                    Directory.CreateDirectory(dir);
                    string link = Path.Join(dir, name);
                    if (!File.Exists(link)) File.CreateSymbolicLink(link, Path.Join(outDir, name));
                }
            }
            catch (Exception e) when (e is UnitFileError or IOException or UnauthorizedAccessException)
            {
                error(e is UnitFileError ? e.Message : $"{path}: {e.Message}");
                failed++;
            }
        }
        return failed;
    }
}
