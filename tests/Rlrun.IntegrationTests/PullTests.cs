using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`rlrun pull`, `login`, `logout` end to end as the unprivileged test user, against Debian's
/// docker-registry on a loopback port (PullImages pushes the images with skopeo) and a misbehaving
/// proxy in front of it (RegistryProxy): ownership through the subordinate range, the manifest kinds,
/// short names, the token flow, retries and resume, concurrent pulls, kill -9, and bad input refused
/// with one line and nothing stored.</summary>
public sealed class PullTests : IClassFixture<PullImages>, IDisposable
{
    readonly PullImages _images;
    readonly Sandbox _s = new();
    readonly string _storage;
    readonly List<KeyValuePair<string, string>> _env = [];

    public PullTests(PullImages images)
    {
        _images = images;
        _storage = Path.Join(_s.Dir, "storage");
        // No user or system registries.conf and auth file leak in: each test names its own.
        _env.Add(new("CONTAINERS_REGISTRIES_CONF", Path.Join(_s.Dir, "registries.conf")));
        _env.Add(new("REGISTRY_AUTH_FILE", Path.Join(_s.Dir, "auth.json")));
    }

    public void Dispose()
    {
        try
        {
            foreach (var id in Images().Select(i => i!["id"]!.GetValue<string>()).ToList()) Rl("rmi", "--force", id);
            Rl("image", "prune");
        }
        catch (Exception) { }
        _s.Dispose();
    }

    string Reg => _images.Registry.Host;

    ProcSpec Spec(string[] args) => Host.AsUser(Host.Binary,
        args.Any(a => a is "login" or "logout") ? args : [.. args, "--storage", _storage], [.. Host.ShellEnv, .. _env]);

    ProcResult Rl(params string[] args) => Proc.Run(Spec(args), timeout: TimeSpan.FromSeconds(120));

    JsonArray Images()
    {
        var r = Rl("images", "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Stdout)!.AsArray();
    }

    JsonObject Inspect(string reference)
    {
        var r = Rl("image", "inspect", reference);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Stdout)!.AsArray()[0]!.AsObject();
    }

    static string Stat(string path, string format = "%u:%g") =>
        Proc.Run("/usr/bin/stat", ["-c", format, path]).EnsureSuccess($"stat {path}").Stdout.Trim();

    static string LayerDiff(JsonObject inspect, int i) => inspect["layer_records"]![i]!["path"]!.GetValue<string>();

    /// <summary>Nothing named, no temp file; layers other downloads had finished are unnamed, and prune takes them (as after a failed import).</summary>
    void NothingStored()
    {
        Assert.Empty(Images());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "layers"), ".tmp-*"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "blobs", "sha256"), ".tmp-*"));
        Assert.Equal(0, Rl("image", "prune").ExitCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "layers")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "blobs", "sha256")));
    }

    static void OneLine(ProcResult r, params string[] words)
    {
        Assert.True(r.ExitCode != 0, $"expected a failure: {r}");
        // Progress lines come first (as podman's); the error is one line after them.
        string err = string.Join('\n', r.Stderr.TrimEnd('\n').Split('\n').Where(l => !l.StartsWith("Trying to pull ") && !l.StartsWith("Copying ")));
        Assert.True(err.Length > 0 && !err.Contains('\n'), $"expected one line on stderr: {r}");
        foreach (var w in words) Assert.True(err.Contains(w), $"stderr does not name \"{w}\": {r}");
    }

    [RegistryFact]
    public void Pull_unpacks_gzip_zstd_and_plain_layers_owned_through_the_subordinate_range_and_import_shares_them()
    {
        var r = Rl("pull", $"{Reg}/pull/cases:v1");
        Assert.True(r.ExitCode == 0, r.ToString());
        string id = _images.Cases!.ConfigDigest[7..];
        Assert.Equal(id, r.Stdout.Trim());
        // Not a terminal: plain lines, one per blob start and end.
        Assert.Contains($"Copying blob {_images.Cases.LayerDigests[1][7..19]}", r.Stderr);
        Assert.DoesNotContain("\x1b[", r.Stderr);

        var image = Inspect($"{Reg}/pull/cases:v1");
        uint sub = Host.SubUid!.Value.Start, subg = Host.SubGid!.Value.Start;
        string l0 = LayerDiff(image, 0), l1 = LayerDiff(image, 1), l2 = LayerDiff(image, 2);
        Assert.Equal($"{Host.Uid}:{Host.Gid}", Stat(Path.Join(l0, "etc", "hostname")));
        Assert.Equal($"{sub + 999}:{subg + 999}", Stat(Path.Join(l0, "home", "app", "data")));
        Assert.Equal("4755", Stat(Path.Join(l0, "bin", "tool"), "%a"));
        Assert.Equal("character special file 0,0", Stat(Path.Join(l1, "etc", "removed"), "%F %t,%T")); // zstd layer
        Assert.Equal("y", Xattr.Get(Path.Join(l1, "opt"), "user.overlay.opaque"));
        Assert.Equal($"{sub + 65534}:{subg + 65534}", Stat(Path.Join(l2, "srv", "top"))); // uncompressed layer

        // Again: nothing downloaded; the same image from its OCI layout: the same ID and layers.
        var again = Rl("pull", "--quiet", $"{Reg}/pull/cases:v1");
        Assert.True(again.ExitCode == 0 && again.Stderr.Length == 0, again.ToString());
        var import = Rl("image", "import", _images.CasesLayout, "localhost/cases:layout");
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Equal(id, import.Stdout.Trim());
        Assert.Equal(3, Directory.EnumerateDirectories(Path.Join(_storage, "layers")).Count());
        Assert.Equal(2, Assert.Single(Images())!["names"]!.AsArray().Count);
    }

    [RegistryFact]
    public void Docker_schema_2_index_platform_and_digest_pulls()
    {
        var v2 = Rl("pull", "-q", $"{Reg}/pull/v2s2:v1");
        Assert.True(v2.ExitCode == 0, v2.ToString());
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", Inspect($"{Reg}/pull/v2s2:v1")["manifest_media_type"]!.GetValue<string>());

        var amd = Rl("pull", "-q", $"{Reg}/pull/multi:v1");
        Assert.True(amd.ExitCode == 0, amd.ToString());
        Assert.Equal(_images.MultiAmd64Config![7..], amd.Stdout.Trim());
        var arm = Rl("pull", "-q", "--platform", "linux/arm64", $"{Reg}/pull/multi:v1");
        Assert.True(arm.ExitCode == 0, arm.ToString());
        Assert.Equal(_images.MultiArm64Config![7..], arm.Stdout.Trim());

        // By digest: recorded under NAME@DIGEST, listed with no tag.
        string manifest = Inspect($"{Reg}/pull/v2s2:v1")["manifest_digest"]!.GetValue<string>();
        Assert.Equal(0, Rl("rmi", $"{Reg}/pull/v2s2:v1").ExitCode);
        var byDigest = Rl("pull", "-q", $"{Reg}/pull/v2s2@{manifest}");
        Assert.True(byDigest.ExitCode == 0, byDigest.ToString());
        Assert.Contains(Images(), i => i!["names"]!.AsArray().Any(n => n!.GetValue<string>() == $"{Reg}/pull/v2s2@{manifest}"));
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(Reg)}/pull/v2s2\s+<none>\s+{v2.Stdout.Trim()[..12]}", Rl("images").Stdout);
    }

    [RegistryFact]
    public void Short_names_go_through_the_search_registries_in_order()
    {
        using var missing = new RegistryProxy(Reg) { NotFound = true };
        File.WriteAllText(Path.Join(_s.Dir, "registries.conf"), $"""
            # the first has nothing; the second has the image
            unqualified-search-registries = ["{missing.Host}",
                "{Reg}"]
            """);
        Host.ChownToUser(_s.Dir);
        var r = Rl("pull", "pull/v2s2:v1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Trying to pull {missing.Host}/pull/v2s2:v1", r.Stderr);
        Assert.Contains(Images(), i => i!["names"]!.AsArray().Any(n => n!.GetValue<string>() == $"{Reg}/pull/v2s2:v1"));

        OneLine(Rl("pull", "pull/nothing:v1"), "pull/nothing", "none of the search registries");
        File.WriteAllText(Path.Join(_s.Dir, "registries.conf"), "");
        OneLine(Rl("pull", "alpine"), "short name \"alpine\"", "unqualified-search-registries");
    }

    [RegistryFact]
    public void Login_stores_checked_credentials_the_token_flow_uses_and_logout_removes_them()
    {
        using var proxy = new RegistryProxy(Reg) { Credentials = ("alice", "s3cret"), Bearer = true };
        string auth = Path.Join(_s.Dir, "auth.json");
        OneLine(Proc.Run(Spec(["login", "-u", "alice", "--password-stdin", proxy.Host]), stdin: "wrong\n"), "refused the credentials of \"alice\"");
        Assert.False(File.Exists(auth));
        OneLine(Rl("pull", $"{proxy.Host}/pull/v2s2:v1"), "requires authentication", $"rlrun login {proxy.Host}");
        NothingStored();

        var login = Proc.Run(Spec(["login", "-u", "alice", "--password-stdin", proxy.Host]), stdin: "s3cret\n");
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains(proxy.Host, File.ReadAllText(auth));
        Assert.Equal("600", Stat(auth, "%a"));
        var pull = Rl("pull", "-q", $"{proxy.Host}/pull/v2s2:v1");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.True(proxy.Requests.GetValueOrDefault("GET /token") >= 1, "the token service was not asked");

        Assert.Equal(0, Rl("logout", proxy.Host).ExitCode);
        Assert.DoesNotContain(proxy.Host, File.ReadAllText(auth));
        OneLine(Rl("logout", proxy.Host), "not logged in");

        // Basic: --creds that the registry refuses.
        using var basic = new RegistryProxy(Reg) { Credentials = ("bob", "pw") };
        OneLine(Rl("pull", "--creds", "bob:nope", $"{basic.Host}/pull/cases:v1"), "refused the credentials of \"bob\"");
        Assert.Equal(0, Rl("pull", "-q", "--creds", "bob:pw", $"{basic.Host}/pull/v2s2:v1").ExitCode);
    }

    /// <summary>podman's login: a URL names its host (not "HOST/v2"), credentials are checked against
    /// the host even for a NAMESPACE key, stored ones are reused when nothing is given, and
    /// --get-login prints the stored user.</summary>
    [RegistryFact]
    public void Login_takes_a_url_as_its_host_reuses_stored_credentials_and_get_login_prints_the_user()
    {
        using var proxy = new RegistryProxy(Reg) { Credentials = ("alice", "s3cret") };
        string auth = Path.Join(_s.Dir, "auth.json");
        var url = Proc.Run(Spec(["login", "-u", "alice", "--password-stdin", $"http://{proxy.Host}/v2/"]), stdin: "s3cret\n");
        Assert.True(url.ExitCode == 0, url.ToString());
        var keys = JsonNode.Parse(File.ReadAllText(auth))!["auths"]!.AsObject().Select(kv => kv.Key).ToList();
        Assert.Equal([proxy.Host], keys);

        var get = Rl("login", "--get-login", proxy.Host);
        Assert.True(get.ExitCode == 0 && get.Stdout == "alice\n", get.ToString());
        // A namespace falls back to the registry's entry, as podman reads the file.
        Assert.Equal("alice\n", Rl("login", "--get-login", $"{proxy.Host}/other").Stdout);
        OneLine(Rl("login", "--get-login", Reg), "not logged in to", Reg);

        // Nothing given, stdin not a terminal: the stored credentials are checked and kept.
        var again = Proc.Run(Spec(["login", proxy.Host]), stdin: "");
        Assert.True(again.ExitCode == 0 && again.Stdout.Contains($"Already logged in to {proxy.Host}"), again.ToString());

        // A namespace key is checked against the registry's host: wrong credentials are refused there.
        OneLine(Proc.Run(Spec(["login", "-u", "alice", "--password-stdin", $"{proxy.Host}/pull"]), stdin: "wrong\n"), "refused the credentials of \"alice\"");
        Assert.Equal([proxy.Host], JsonNode.Parse(File.ReadAllText(auth))!["auths"]!.AsObject().Select(kv => kv.Key).ToList());
    }

    /// <summary>podman: `rmi REPO@DIGEST` of an image that has a tag too untags the digest name only;
    /// `rmi --force` (or -i) of an image that is not there is no error.</summary>
    [RegistryFact]
    public void Rmi_of_a_digest_name_untags_it_and_force_ignores_images_that_are_not_there()
    {
        var tag = Rl("pull", "-q", $"{Reg}/pull/v2s2:v1");
        Assert.True(tag.ExitCode == 0, tag.ToString());
        string manifest = Inspect($"{Reg}/pull/v2s2:v1")["manifest_digest"]!.GetValue<string>();
        Assert.Equal(0, Rl("pull", "-q", $"{Reg}/pull/v2s2@{manifest}").ExitCode);
        var rmi = Rl("rmi", $"{Reg}/pull/v2s2@{manifest}");
        Assert.True(rmi.ExitCode == 0 && rmi.Stdout == $"Untagged: {Reg}/pull/v2s2@{manifest}\n", rmi.ToString());
        var names = Assert.Single(Images())!["names"]!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal([$"{Reg}/pull/v2s2:v1"], names);

        OneLine(Rl("rmi", $"{Reg}/pull/absent:v1"), "image not known");
        foreach (var flag in new[] { "--force", "-i" })
        {
            var quiet = Rl("rmi", flag, $"{Reg}/pull/absent:v1");
            Assert.True(quiet.ExitCode == 0 && quiet.Stdout.Length == 0 && quiet.Stderr.Length == 0, quiet.ToString());
        }
        Assert.Equal(Rl("images").Stdout, Rl("images", "-a").Stdout);
    }

    /// <summary>registries.conf's `blocked = true` (podman refuses such a registry): one line naming the file, nothing stored.</summary>
    [RegistryFact]
    public void A_registry_blocked_in_registries_conf_is_refused()
    {
        string conf = Path.Join(_s.Dir, "registries.conf");
        File.WriteAllText(conf, $"""
            [[registry]]
            prefix = "{Reg}/pull/v2s2"
            location = "{Reg}/pull/v2s2"
            blocked = true
            """);
        Host.ChownToUser(_s.Dir);
        OneLine(Rl("pull", $"{Reg}/pull/v2s2:v1"), "blocked", conf);
        NothingStored();
        // The prefix is the repository: another one of the same registry is pulled.
        Assert.Equal(0, Rl("pull", "-q", $"{Reg}/pull/cases:v1").ExitCode);
    }

    [RegistryFact]
    public void Credential_helpers_of_the_auth_file_are_asked_with_the_registry_on_stdin()
    {
        using var proxy = new RegistryProxy(Reg) { Credentials = ("carol", "h3lper") };
        // docker-credential-rltest knows the proxy only; anything else is the protocol's "not found".
        string bin = Path.Join(_s.Dir, "bin");
        Directory.CreateDirectory(bin);
        string helper = Path.Join(bin, "docker-credential-rltest");
        File.WriteAllText(helper, $$"""
            #!/bin/sh
            [ "$1" = get ] || exit 3
            read -r server
            echo "$server" >> {{_s.Dir}}/asked
            if [ "$server" = "{{proxy.Host}}" ]; then printf '{"ServerURL":"%s","Username":"carol","Secret":"h3lper"}\n' "$server"; exit 0; fi
            echo "credentials not found in native keychain"; exit 1

            """);
        File.SetUnixFileMode(helper, (UnixFileMode)0x1ed);
        _env.Add(new("PATH", $"{bin}:/usr/sbin:/usr/bin:/sbin:/bin"));
        string auth = Path.Join(_s.Dir, "auth.json");

        File.WriteAllText(auth, $$$"""{"credHelpers": {"{{{proxy.Host}}}": "rltest"}}""");
        Host.ChownToUser(_s.Dir);
        var pull = Rl("pull", "-q", $"{proxy.Host}/pull/v2s2:v1");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(proxy.Host, File.ReadAllLines(Path.Join(_s.Dir, "asked"))[0]);

        // credsStore for every registry; a registry it does not know falls through to "auths".
        using var other = new RegistryProxy(Reg) { Credentials = ("dave", "pw") };
        string dave = Convert.ToBase64String("dave:pw"u8.ToArray());
        File.WriteAllText(auth, "{\"credsStore\": \"rltest\", \"auths\": {\"" + other.Host + "\": {\"auth\": \"" + dave + "\"}}}");
        var store = Rl("pull", "-q", $"{proxy.Host}/pull/cases:v1");
        Assert.True(store.ExitCode == 0, store.ToString());
        var fallback = Rl("pull", "-q", $"{other.Host}/pull/v2s2:v1");
        Assert.True(fallback.ExitCode == 0, fallback.ToString());
        Assert.Contains(other.Host, File.ReadAllText(Path.Join(_s.Dir, "asked")));

        // A helper that is not there: one line naming it and the file.
        File.WriteAllText(auth, $$$"""{"credHelpers": {"{{{proxy.Host}}}": "absent"}}""");
        OneLine(Rl("pull", "-q", $"{proxy.Host}/pull/big:v1"), "docker-credential-absent", auth);
    }

    [RegistryFact]
    public void A_busy_registry_is_asked_again_and_a_cut_download_resumes()
    {
        using var proxy = new RegistryProxy(Reg) { Fail503 = 2, TruncateBlob = _images.Cases!.LayerDigests[0], TruncateTimes = 1 };
        var r = Rl("--debug", "pull", $"{proxy.Host}/pull/cases:v1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("503", r.Stderr);
        Assert.Contains("resuming at byte", r.Stderr);
        Assert.Equal(_images.Cases.ConfigDigest[7..], r.Stdout.Trim());
    }

    public static TheoryData<string> BadInputs() =>
        ["unknown tag", "unknown repository", "digest mismatch", "truncated layer", "no linux/amd64", "unsupported media type", "bad platform"];

    [RegistryTheory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_and_stores_nothing(string kind)
    {
        using var proxy = new RegistryProxy(Reg);
        string[] args;
        string[] words;
        switch (kind)
        {
            case "unknown tag": args = [$"{Reg}/pull/cases:nope"]; words = ["pull/cases:nope", "MANIFEST_UNKNOWN"]; break;
            case "unknown repository": args = [$"{Reg}/pull/absent:v1"]; words = ["pull/absent", "404"]; break;
            case "digest mismatch":
                proxy.CorruptBlob = _images.Cases!.LayerDigests[1];
                args = [$"{proxy.Host}/pull/cases:v1"]; words = ["digest mismatch", "layer 2"]; break;
            case "truncated layer":
                proxy.TruncateBlob = _images.Cases!.LayerDigests[0];
                args = [$"{proxy.Host}/pull/cases:v1"]; words = ["layer 1", "stopped at byte"]; break;
            case "no linux/amd64": args = [$"{Reg}/pull/armonly:v1"]; words = ["no linux/amd64 entry", "linux/arm64"]; break;
            case "unsupported media type":
                args = [$"{Reg}/pull/badtype:v1"]; words = ["application/x-rlrun-test"]; break;
            default: args = ["--platform", "linux", $"{Reg}/pull/cases:v1"]; words = ["--platform \"linux\""]; break;
        }
        OneLine(Rl(["pull", .. args]), words);
        NothingStored();
    }

    [RegistryFact]
    public void Two_concurrent_pulls_download_each_blob_once()
    {
        using var proxy = new RegistryProxy(Reg) { BlobRate = 8 << 20 };
        using var p1 = Proc.Start(Spec(["pull", "-q", $"{proxy.Host}/pull/big:v1"]));
        using var p2 = Proc.Start(Spec(["pull", "-q", $"{proxy.Host}/pull/big:v1"]));
        var r1 = p1.Wait(TimeSpan.FromSeconds(120));
        var r2 = p2.Wait(TimeSpan.FromSeconds(120));
        Assert.True(r1.ExitCode == 0 && r2.ExitCode == 0, $"{r1}\n{r2}");
        Assert.Equal(r1.Stdout.Trim(), r2.Stdout.Trim());
        string blob = $"GET /v2/pull/big/blobs/{_images.Big!.LayerDigests[0]}";
        Assert.True(proxy.Requests.GetValueOrDefault(blob) == 1, $"{blob}: {string.Join(", ", proxy.Requests.Select(kv => $"{kv.Key} x{kv.Value}"))}");
        Assert.Single(Images());
        // Layer, config, manifest; no temp file.
        Assert.Equal(3, Directory.EnumerateFileSystemEntries(Path.Join(_storage, "blobs", "sha256")).Count());
    }

    [RegistryFact]
    public void Kill_9_during_a_pull_leaves_nothing_named_and_the_next_pull_resumes_the_blob_with_range()
    {
        using var proxy = new RegistryProxy(Reg) { BlobRate = 4 << 20 };
        string blobs = Path.Join(_storage, "blobs", "sha256");
        string layer = _images.Big!.LayerDigests[0];
        string partial = Path.Join(blobs, ".partial-" + layer[7..]);
        using var p = Proc.Start(Spec(["pull", $"{proxy.Host}/pull/big:v1"]));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !p.HasExited && !(File.Exists(partial) && new FileInfo(partial).Length > 1 << 20))
            Thread.Sleep(5);
        Assert.False(p.HasExited, $"the pull ended before it could be killed: {p.Stdout} {p.Stderr}");
        Host.Signal(p.Pid, Host.SIGKILL);
        p.Wait(TimeSpan.FromSeconds(10));
        Assert.Empty(Images());
        long had = new FileInfo(partial).Length;

        // The next pull (another process) asks only for the rest, and checks the whole blob's digest.
        using var again = new RegistryProxy(Reg);
        var r = Rl("--debug", "pull", "-q", $"{again.Host}/pull/big:v1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("where an earlier download stopped", r.Stderr);
        string range = Assert.Single(again.Ranges, x => x.StartsWith($"/v2/pull/big/blobs/{layer} "));
        long from = long.Parse(System.Text.RegularExpressions.Regex.Match(range, @"bytes=(\d+)-").Groups[1].Value);
        Assert.True(from >= had && from > 0, $"{range} (the partial file had {had} bytes)");
        Assert.Empty(Directory.EnumerateFileSystemEntries(blobs, ".tmp-*"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(blobs, ".partial-*"));
        var image = Inspect($"{again.Host}/pull/big:v1");
        // Owned by 1000 in the layer: the subordinate ID for 1000 on the host.
        Assert.Equal($"{Host.SubUid!.Value.Start + 999}:{Host.SubGid!.Value.Start + 999}", Stat(Path.Join(LayerDiff(image, 0), "data", "blob")));
    }

    [RegistryFact]
    public void A_partial_download_with_wrong_bytes_fails_the_digest_and_the_next_pull_starts_over()
    {
        // Bytes a crash could have left, all wrong.
        string blobs = Path.Join(_storage, "blobs", "sha256");
        Assert.Equal(0, Rl("images").ExitCode); // makes the store
        string layer = _images.Big!.LayerDigests[0];
        File.WriteAllBytes(Path.Join(blobs, ".partial-" + layer[7..]), new byte[12 << 20]); // the layer has 24 MiB
        Host.ChownToUser(_storage);
        OneLine(Rl("pull", "-q", $"{Reg}/pull/big:v1"), "digest mismatch", layer);
        NothingStored();
        var r = Rl("pull", "-q", $"{Reg}/pull/big:v1");
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [RegistryRootFact]
    public void Full_disk_during_a_pull_is_one_line_stores_nothing_and_the_pull_works_once_there_is_room()
    {
        // The store on a 4 MiB tmpfs; the big image's layer does not fit.
        string small = Path.Join(_s.Dir, "small");
        Directory.CreateDirectory(small);
        Host.ChownToUser(_s.Dir);
        Proc.Run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", small]).EnsureSuccess("mount tmpfs");
        try
        {
            Host.ChownToUser(small);
            string storage = Path.Join(small, "storage");
            string[] store = ["--storage", storage];
            var r = Proc.Run(Host.AsUser(Host.Binary, ["pull", $"{Reg}/pull/big:v1", .. store], [.. Host.ShellEnv, .. _env]), timeout: TimeSpan.FromSeconds(120));
            OneLine(r, "no space left on device", "layer 1");
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(storage, "layers")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(storage, "blobs", "sha256"), ".*"));
            Assert.Equal("[]", Proc.Run(Host.AsUser(Host.Binary, ["images", "--format", "json", .. store], [.. Host.ShellEnv, .. _env])).Stdout.Trim());

            // Room again (the tmpfs grown): the same pull works.
            Proc.Run("/bin/mount", ["-o", "remount,size=256m", small]).EnsureSuccess("remount tmpfs");
            var again = Proc.Run(Host.AsUser(Host.Binary, ["pull", "-q", $"{Reg}/pull/big:v1", .. store], [.. Host.ShellEnv, .. _env]), timeout: TimeSpan.FromSeconds(120));
            Assert.True(again.ExitCode == 0, again.ToString());
            Proc.Run(Host.AsUser(Host.Binary, ["rmi", $"{Reg}/pull/big:v1", .. store], [.. Host.ShellEnv, .. _env]));
        }
        finally { Proc.Run("/bin/umount", ["-l", small]); }
    }
}
