using Rlrun.Images.Registry;

namespace Rlrun.Cli.Commands;

/// <summary>`login REGISTRY`: checks the credentials against the registry, then stores them in
/// podman's auth file (AuthFile.WritePath), so podman, skopeo and rlrun share them. As podman's:
/// REGISTRY may be a URL (its host is taken) or REGISTRY/NAMESPACE; with no user and password given,
/// credentials already stored are checked and kept when the registry takes them; --get-login prints
/// the stored user.</summary>
public sealed class LoginCommand : IImageCommand
{
    public string Name => "login";
    public string Usage => "[--authfile FILE] [--username USER] [--password PASSWORD | --password-stdin] [--tls-verify=false] [--get-login] REGISTRY";
    public string Summary => "store credentials for a registry";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["authfile"], true, "credentials file (default $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json)"),
        new(["username", "u"], true, "user name"),
        new(["password", "p"], true, "password (visible to other users in ps: prefer --password-stdin)"),
        new(["password-stdin"], false, "read the password from stdin"),
        new(["tls-verify"], false, "verify the registry's certificate (--tls-verify=false also allows HTTP)"),
        new(["get-login"], false, "print the user name stored for REGISTRY (an error when there is none)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (!Images.ImageFeatures.Fetching) return FullBinary.Exec(Name);
        if (args.Positional.Count != 1) throw new UsageException("usage: rlrun login [flags] REGISTRY");
        string key = RegistryCommandArgs.AuthKey(args.Positional[0]);
        string host = AuthFile.HostOf(key), ns = key.Length > host.Length ? key[(host.Length + 1)..] : "";
        if (args.Bool("get-login"))
        {
            var stored = AuthFile.Find(host, ns, args.Value("authfile"))
                ?? throw new InvalidOperationException($"not logged in to {key} (no entry in {string.Join(", ", AuthFile.ReadPaths(args.Value("authfile")))})");
            Console.WriteLine(stored.User);
            return 0;
        }
        string? user = args.Value("username");
        string? password = args.Value("password");
        if (args.Bool("password-stdin"))
        {
            if (password is not null) throw new UsageException("--password and --password-stdin exclude each other");
            password = Console.In.ReadToEnd().TrimEnd('\n', '\r');
        }
        string file = AuthFile.WritePath(args.Value("authfile"));
        var transport = RegistryTransports.For(host, args.Has("tls-verify") ? args.Bool("tls-verify") : null, RegistriesConf.Load(), ns);
        Action<string>? debug = ctx.Log.DebugEnabled ? ctx.Log.Debug : null;

        // podman's: nothing given, and credentials stored that the registry still takes: nothing to ask.
        if (user is null && password is null && AuthFile.Find(host, ns, args.Value("authfile")) is { } existing)
        {
            Console.WriteLine($"Authenticating with existing credentials for {key}");
            try
            {
                Check(host, transport, existing, debug);
                Console.WriteLine($"Existing credentials are valid. Already logged in to {key}");
                return 0;
            }
            catch (RegistryAuthException) { Console.WriteLine("Existing credentials are invalid, please enter valid username and password"); }
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

        var credentials = new RegistryCredentials(user, password, "--username/--password");
        Check(host, transport, credentials, debug);
        AuthFile.Set(file, key, credentials);
        Console.WriteLine("Login Succeeded!");
        return 0;
    }

    /// <summary>The credentials against the registry's host (a NAMESPACE key is checked there too, as podman does).</summary>
    static void Check(string host, RegistryTransport transport, RegistryCredentials credentials, Action<string>? debug)
    {
        string apiHost = host == RegistryReference.DockerHub ? "registry-1.docker.io" : host;
        using var client = new RegistryClient(host, apiHost, transport, credentials, RetryPolicy.Default, debug);
        client.CheckCredentialsAsync(CancellationToken.None).GetAwaiter().GetResult();
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
