using Rlrun.Images.Registry;

namespace Rlrun.Cli.Commands;

/// <summary>`logout REGISTRY` or `logout --all`: removes stored credentials from the auth file login writes.</summary>
public sealed class LogoutCommand : IImageCommand
{
    public string Name => "logout";
    public string Usage => "[--authfile FILE] (--all | REGISTRY)";
    public string Summary => "remove stored credentials for a registry";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["authfile"], true, "credentials file (default $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json)"),
        new(["all", "a"], false, "remove the credentials of every registry"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string file = AuthFile.WritePath(args.Value("authfile"));
        if (args.Bool("all"))
        {
            if (args.Positional.Count > 0) throw new UsageException("--all takes no registry");
            if (File.Exists(file)) File.Delete(file);
            Console.WriteLine("Removed login credentials for all registries");
            return 0;
        }
        if (args.Positional.Count != 1) throw new UsageException("usage: rlrun logout [--authfile FILE] (--all | REGISTRY)");
        string registry = RegistryCommandArgs.AuthKey(args.Positional[0]);
        if (!AuthFile.Set(file, registry, null))
            throw new InvalidOperationException($"not logged in to {registry} (no entry in {file})");
        Console.WriteLine($"Removed login credentials for {registry}");
        return 0;
    }
}
