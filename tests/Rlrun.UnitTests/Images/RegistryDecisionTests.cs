using Rlrun.Images.Registry;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>The registry client's decisions without a registry: names, registries.conf, challenges, transports, auth keys.</summary>
public sealed class RegistryDecisionTests
{
    [Theory]
    [InlineData("alpine", null, "alpine", "latest")]
    [InlineData("library/alpine:3", null, "library/alpine", "3")]
    [InlineData("127.0.0.1:5000/a/b:v1", "127.0.0.1:5000", "a/b", "v1")]
    [InlineData("localhost/x", "localhost", "x", "latest")]
    [InlineData("quay.io/p/q", "quay.io", "p/q", "latest")]
    public void References_split_into_registry_repository_and_tag(string text, string? registry, string repo, string tag)
    {
        var p = RegistryReference.Parse(text);
        Assert.Equal(registry, p.Registry);
        var r = p.In(registry ?? "example.org");
        Assert.Equal(repo, r.Repository);
        Assert.Equal(tag, r.Tag);
    }

    [Fact]
    public void Docker_hub_names_get_library_and_a_digest_needs_no_tag()
    {
        Assert.Equal("docker.io/library/alpine:latest", RegistryReference.Parse("alpine").In("docker.io").ToString());
        var d = RegistryReference.ParseQualified("reg.io/a@sha256:" + new string('a', 64));
        Assert.Null(d.Tag);
        Assert.Equal("reg.io/a@sha256:" + new string('a', 64), d.StoreName);
        Assert.Throws<ArgumentException>(() => RegistryReference.Parse("Reg.io/UPPER"));
        Assert.Throws<ArgumentException>(() => RegistryReference.Parse("a@sha256:short"));
    }

    [Fact]
    public void Registries_conf_gives_search_order_and_insecure_registries()
    {
        string f = Path.GetTempFileName();
        File.WriteAllText(f, """
            unqualified-search-registries = ["one.example", # first
              "two.example"]
            [[registry]]
            location = "plain.example:5000"
            insecure = true
            [[registry]]
            location = "safe.example"
            """);
        var conf = new RegistriesConf();
        conf.Read(f);
        File.Delete(f);
        Assert.Equal(["one.example", "two.example"], conf.SearchRegistries);
        Assert.True(conf.IsInsecure("plain.example:5000"));
        Assert.False(conf.IsInsecure("safe.example"));
    }

    /// <summary>podman matches [[registry]] entries by prefix, the longest winning, and refuses blocked ones.</summary>
    [Fact]
    public void Registries_conf_entries_match_by_longest_prefix_and_can_block()
    {
        string f = Path.GetTempFileName();
        File.WriteAllText(f, """
            [[registry]]
            prefix = "reg.example/team"
            location = "reg.example/team"
            insecure = true
            [[registry]]
            location = "reg.example"
            blocked = true
            [[registry.mirror]]
            location = "mirror.example"
            insecure = true
            [[registry]]
            location = "*.corp.example"
            insecure = true
            [registries.block]
            registries = ["bad.example"]
            """);
        var conf = new RegistriesConf();
        conf.Read(f);
        File.Delete(f);
        Assert.True(conf.IsInsecure("reg.example/team/app"));
        Assert.Null(conf.BlockedBy("reg.example/team/app"));
        Assert.False(conf.IsInsecure("reg.example/teamwork/app"));
        Assert.Equal(f, conf.BlockedBy("reg.example/teamwork/app"));
        Assert.Equal(f, conf.BlockedBy("reg.example"));
        Assert.False(conf.IsInsecure("mirror.example"));
        Assert.True(conf.IsInsecure("hub.corp.example:5000/x"));
        Assert.False(conf.IsInsecure("corp.example/x"));
        Assert.Equal(f, conf.BlockedBy("bad.example/x"));
        Assert.Null(conf.BlockedBy("bad.example.org/x"));
        Assert.Equal(RegistryTransport.HttpsUnverifiedThenHttp, RegistryTransports.For("reg.example", null, conf, "team/app"));
        Assert.Equal(RegistryTransport.Https, RegistryTransports.For("reg.example", null, conf, "other"));
    }

    /// <summary>login's argument as podman's login takes it: a URL is its host, no scheme keeps a namespace.</summary>
    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("http://127.0.0.1:5000/v2/", "127.0.0.1:5000")]
    [InlineData("https://reg.example", "reg.example")]
    [InlineData("reg.example/team/", "reg.example/team")]
    [InlineData("https://index.docker.io/v1/", "docker.io")]
    [InlineData("index.docker.io", "docker.io")]
    public void Login_arguments_give_podmans_auth_file_keys(string text, string key)
    {
        Assert.Equal(key, AuthFile.KeyFor(text));
        Assert.Equal(key.Split('/')[0], AuthFile.HostOf(key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://")]
    [InlineData("reg example")]
    [InlineData("/reg.example")]
    public void Login_arguments_that_name_no_registry_are_refused(string text) =>
        Assert.Throws<ArgumentException>(() => AuthFile.KeyFor(text));

    /// <summary>.NET says "see inner exception" for a failed TLS handshake; the line says why and what to write.</summary>
    [Fact]
    public void A_failed_tls_handshake_says_how_to_mark_the_registry_insecure()
    {
        var e = new HttpRequestException("The SSL connection could not be established, see inner exception.",
            new System.Security.Authentication.AuthenticationException("Authentication failed, see inner exception.",
                new IOException("Cannot determine the frame size or a corrupted frame was received.")));
        string line = RegistryConnectionError.Describe("vm:5000", e);
        Assert.DoesNotContain("see inner exception", line);
        Assert.Contains("registry vm:5000: TLS handshake failed (Cannot determine the frame size", line);
        Assert.Contains("location = \"vm:5000\" insecure = true", line);
        Assert.Contains("--tls-verify=false", line);
        Assert.Equal("registry vm:5000: Connection refused (vm:5000)", RegistryConnectionError.Describe("vm:5000", new HttpRequestException("Connection refused (vm:5000)")));
    }

    [Fact]
    public void Bearer_challenges_are_parsed()
    {
        var c = AuthChallenge.Parse("Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull\"")!;
        Assert.Equal("Bearer", c.Scheme);
        Assert.Equal("https://auth.example/token", c["realm"]);
        Assert.Equal("repository:a/b:pull", c["scope"]);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", RegistryTransport.Http)]
    [InlineData("127.1.2.3", RegistryTransport.Http)]
    [InlineData("[::1]:5000", RegistryTransport.Http)]
    [InlineData("localhost:5000", RegistryTransport.Http)]
    [InlineData("10.0.0.1:5000", RegistryTransport.Https)]
    [InlineData("quay.io", RegistryTransport.Https)]
    public void Loopback_registries_are_plain_http(string registry, RegistryTransport expected) =>
        Assert.Equal(expected, RegistryTransports.For(registry, null, new RegistriesConf()));

    [Fact]
    public void Auth_file_entries_are_found_by_repository_then_registry()
    {
        string f = Path.GetTempFileName();
        File.Delete(f);
        AuthFile.Set(f, "reg.example", new RegistryCredentials("all", "pw1", ""));
        AuthFile.Set(f, "reg.example/team", new RegistryCredentials("team", "pw2", ""));
        Assert.Equal("team", AuthFile.Find("reg.example", "team/app", f)!.User);
        Assert.Equal("all", AuthFile.Find("reg.example", "other/app", f)!.User);
        Assert.Null(AuthFile.Find("else.example", "x", f));
        Assert.True(AuthFile.Set(f, "reg.example", null));
        Assert.False(AuthFile.Set(f, "reg.example", null));
        File.Delete(f);
    }
}
