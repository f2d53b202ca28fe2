using System.Text.Json;
using Rlrun.Runtime.Spec;

namespace Rlrun.Cli.Commands;

/// <summary>`spec [--rootless] [--bundle DIR]`: writes a starter config.json.</summary>
public sealed class SpecCommand : ICommand
{
    public string Name => "spec";
    public string Usage => "[--rootless] [--bundle DIR]";
    public string Summary => "create a new specification file (config.json)";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["bundle", "b"], true, "path to the bundle directory (default: the current directory)"),
        new(["rootless"], false, "a config for an unprivileged user (adds a user namespace)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument \"{args.Positional[0]}\"");
        string bundle = args.Value("bundle") ?? ".";
        if (!Directory.Exists(bundle)) throw new ArgumentException($"--bundle {bundle}: no such directory");
        string path = Path.Join(bundle, "config.json");
        if (File.Exists(path)) throw new InvalidOperationException($"File {path} exists. Remove it first");
        var spec = DefaultSpec.Create(args.Bool("rootless"));
        File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.OciSpec));
        return 0;
    }
}
