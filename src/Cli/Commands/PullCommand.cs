using Rlrun.Images.Oci;
using Rlrun.Images.Registry;

namespace Rlrun.Cli.Commands;

/// <summary>`pull REF`: an image from a registry into the store (src/Images/Registry/ImagePuller).
/// Progress goes to stderr (redrawn on a terminal, plain lines otherwise, nothing with --quiet);
/// the image ID to stdout, as podman pull does.</summary>
public sealed class PullCommand : IImageCommand
{
    public string Name => "pull";
    public string Usage => "[--storage DIR] [--platform OS/ARCH] [--authfile FILE] [--creds USER:PASSWORD] [--tls-verify=false] [--quiet] REF";
    public string Summary => "pull an image from a registry";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        ImageStoreArgs.Storage,
        new(["platform"], true, "the platform to take from a multi-platform image (default linux/amd64)"),
        new(["authfile"], true, "credentials file (default $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ...)"),
        new(["creds"], true, "USER:PASSWORD for the registry, instead of the auth file"),
        new(["tls-verify"], false, "verify the registry's certificate (--tls-verify=false also allows HTTP)"),
        new(["quiet", "q"], false, "print only the image ID"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (!Images.ImageFeatures.Fetching) return FullBinary.Exec(Name);
        if (args.Positional.Count != 1) throw new UsageException("usage: rlrun pull [flags] REF");
        var options = new PullOptions
        {
            Platform = args.Value("platform") is { } p ? PlatformSpec.Parse(p) : PlatformSpec.Default,
            AuthFile = args.Value("authfile"),
            Credentials = args.Value("creds") is { } c ? RegistryCommandArgs.ParseCreds(c) : null,
            TlsVerify = args.Has("tls-verify") ? args.Bool("tls-verify") : null,
            Progress = RegistryCommandArgs.Progress(args.Bool("quiet")),
        };
        var store = ImageStoreArgs.Open(ctx, args);
        using var cancel = new CancellationTokenSource();
        try
        {
            var image = new ImagePuller(store, ctx.Log.DebugEnabled ? ctx.Log.Debug : null)
                .PullAsync(args.Positional[0], options, cancel.Token).GetAwaiter().GetResult();
            options.Progress.Finish();
            Console.WriteLine(image.Id);
            return 0;
        }
        catch { options.Progress.Finish(); throw; }
    }
}

/// <summary>What pull, login and logout share.</summary>
static class RegistryCommandArgs
{
    public static RegistryCredentials ParseCreds(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0) throw new UsageException("invalid --creds: USER:PASSWORD expected");
        return new RegistryCredentials(text[..colon], text[(colon + 1)..], "--creds");
    }

    /// <summary>The auth file key login and logout are given (AuthFile.KeyFor), a usage error when it is none.</summary>
    public static string AuthKey(string text)
    {
        try { return AuthFile.KeyFor(text); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    public static IPullProgress Progress(bool quiet) =>
        quiet ? QuietProgress.Instance
        : Console.IsErrorRedirected ? new LineProgress(Console.Error)
        : new TerminalProgress(Console.Error);
}
