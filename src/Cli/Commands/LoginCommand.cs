using Rlrun.Images.Registry;

namespace Rlrun.Cli.Commands;

/// <summary>`login REGISTRY`: checks the credentials against the registry, then stores them in
/// podman's auth file (AuthFile.WritePath), so podman, skopeo and rlrun share them.</summary>
public sealed class LoginCommand : IImageCommand
{
    public string Name => "login";
    public string Usage => "[--authfile FILE] [--username USER] [--password PASSWORD | --password-stdin] [--tls-verify=false] REGISTRY";
    public string Summary => "store credentials for a registry";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["authfile"], true, "credentials file (default $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json)"),
        new(["username", "u"], true, "user name"),
        new(["password", "p"], true, "password (visible to other users in ps: prefer --password-stdin)"),
        new(["password-stdin"], false, "read the password from stdin"),
        new(["tls-verify"], false, "verify the registry's certificate (--tls-verify=false also allows HTTP)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (!Images.ImageFeatures.Fetching) return FullBinary.Exec(Name);
        if (args.Positional.Count != 1) throw new UsageException("usage: rlrun login [flags] REGISTRY");
        string registry = RegistryCommandArgs.Registry(args.Positional[0]);
        string? user = args.Value("username");
        string? password = args.Value("password");
        if (args.Bool("password-stdin"))
        {
            if (password is not null) throw new UsageException("--password and --password-stdin exclude each other");
            password = Console.In.ReadToEnd().TrimEnd('\n', '\r');
        }
        if (user is null)
        {
            if (Console.IsInputRedirected) throw new UsageException("--username is needed when stdin is not a terminal");
            Console.Error.Write("Username: ");
            user = Console.ReadLine() ?? "";
        }
        if (password is null)
        {
            if (Console.IsInputRedirected) throw new UsageException("--password or --password-stdin is needed when stdin is not a terminal");
            password = ReadHidden("Password: ");
        }
        if (user.Length == 0 || user.Contains(':')) throw new UsageException("invalid user name: empty or with ':'");

        string file = AuthFile.WritePath(args.Value("authfile"));
        var credentials = new RegistryCredentials(user, password, "--username/--password");
        var transport = RegistryTransports.For(registry, args.Has("tls-verify") ? args.Bool("tls-verify") : null, RegistriesConf.Load());
        string apiHost = registry == RegistryReference.DockerHub ? "registry-1.docker.io" : registry;
        using (var client = new RegistryClient(registry, apiHost, transport, credentials, RetryPolicy.Default, ctx.Log.DebugEnabled ? ctx.Log.Debug : null))
            client.CheckCredentialsAsync(CancellationToken.None).GetAwaiter().GetResult();
        AuthFile.Set(file, registry, credentials);
        Console.WriteLine("Login Succeeded!");
        return 0;
    }

    static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var sb = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; continue; }
            sb.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }
}
