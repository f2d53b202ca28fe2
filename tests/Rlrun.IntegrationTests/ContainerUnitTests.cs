using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>The user generator's work, `rlrun generate units --source DIR OUTDIR`, as the test user:
/// every key of a .container file (docs/container-units.md) and what it becomes, and bad files
/// (reported FILE:LINE, skipped, the good ones still written). PackageTests starts a generated
/// unit in the real systemd --user through the installed generator.</summary>
public sealed class ContainerUnitTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly string _source, _out;

    public ContainerUnitTests()
    {
        _source = Path.Join(_s.Dir, "containers");
        _out = Path.Join(_s.Dir, "units");
        Directory.CreateDirectory(_source);
        Host.ChownToUser(_source);
    }

    public void Dispose() => _s.Dispose();

    void Write(string name, string text)
    {
        File.WriteAllText(Path.Join(_source, name), text);
        Host.ChownToUser(Path.Join(_source, name));
    }

    ProcResult Generate() => _s.Rl("generate", "units", "--source", _source, _out);

    string Unit(string name) => File.ReadAllText(Path.Join(_out, $"rlrun-{name}.service"));

    static string Line(string unit, string key) =>
        unit.Split('\n').Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];

    [Fact]
    public void Every_image_key_becomes_its_run_flag_and_the_sections_are_copied()
    {
        Write("web.container", """
            # a comment
            [Unit]
            Description=the web front end
            After=network-online.target

            [Container]
            Image=localhost/web:1.2
            ContainerName=front
            Environment=PORT=8080 MODE=production
            Environment=EMPTY=
            Volume=%h/data:/data:ro
            Volume=/srv/static:/static
            PublishPort=127.0.0.1:8080:8080
            PublishPort=9090:90/udp
            Network=pasta
            Memory=512m
            PidsLimit=64
            Cpus=1.5
            Exec=/bin/web --port \
              8080
            Restart=on-failure:4
            StopTimeout=30

            [Service]
            Environment=EXTRA=1

            [Install]
            WantedBy=default.target
            """);
        var r = Generate();
        Assert.True(r.ExitCode == 0, r.ToString());
        string unit = Unit("web");
        string rlrun = Host.Binary;
        Assert.Equal($"{rlrun} run --image localhost/web:1.2 --env PORT=8080 --env MODE=production --env EMPTY= --volume %h/data:/data:ro --volume /srv/static:/static "
            + "--publish 127.0.0.1:8080:8080 --publish 9090:90/udp --network pasta --memory 512m --pids-limit 64 --cpus 1.5 front -- /bin/web --port 8080",
            Line(unit, "ExecStart"));
        Assert.Equal("on-failure", Line(unit, "Restart"));
        Assert.Equal("5", Line(unit, "StartLimitBurst")); // 4 restarts: the first start and 4 more
        Assert.Equal("30", Line(unit, "TimeoutStopSec"));
        Assert.Equal("notify", Line(unit, "Type"));
        Assert.Equal($"-{rlrun} delete --force front", Line(unit, "ExecStopPost"));
        Assert.Equal(Path.Join(_source, "web.container"), Line(unit, "SourcePath"));
        Assert.Contains("Description=the web front end\n", unit);
        Assert.Contains("After=network-online.target\n", unit);
        Assert.Contains("Environment=EXTRA=1\n", unit);
        Assert.Contains("\n[Install]\nWantedBy=default.target\n", unit);
        // A generated unit cannot be `systemctl enable`d: the generator makes the link.
        string link = Path.Join(_out, "default.target.wants", "rlrun-web.service");
        Assert.True(File.Exists(link), $"{link} is missing");
        Assert.Equal(Path.Join(_out, "rlrun-web.service"), new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void A_bundle_unit_runs_the_bundle_relative_to_its_file_with_systemds_restart()
    {
        Write("db.container", "[Container]\nBundle=bundles/db\nRestart=always\n");
        Write("abs.container", "[Container]\nBundle=/srv/abs\n");
        var r = Generate();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{Host.Binary} run --bundle {Path.Join(_source, "bundles", "db")} db", Line(Unit("db"), "ExecStart"));
        Assert.Equal("always", Line(Unit("db"), "Restart"));
        Assert.DoesNotContain("StartLimitBurst", Unit("db"));
        Assert.Equal($"{Host.Binary} run --bundle /srv/abs abs", Line(Unit("abs"), "ExecStart"));
        Assert.Equal("no", Line(Unit("abs"), "Restart"));
        Assert.Equal("10", Line(Unit("abs"), "TimeoutStopSec"));
        Assert.False(Directory.Exists(Path.Join(_out, "default.target.wants")), "a file without [Install] is enabled");
    }

    [Fact]
    public void Words_with_spaces_quotes_or_dollars_are_quoted_for_systemd()
    {
        Write("q.container", "[Container]\nImage=localhost/q\nEnvironment=A=$HOME\nVolume=/a b:/c\n");
        Assert.True(Generate().ExitCode == 0);
        Assert.Equal($"{Host.Binary} run --image localhost/q --env A=$$HOME --volume \"/a b:/c\" q", Line(Unit("q"), "ExecStart"));
    }

    [Theory]
    [InlineData("[Container]\nImage=a\nColour=red\n", ":3: unknown key \"Colour\" in [Container]")]
    [InlineData("[Container]\nExec=/bin/true\n", ": [Container] needs Image= (or Bundle= for an OCI bundle)")]
    [InlineData("[Container]\nImage=a\nBundle=/b\n", ": Image= and Bundle= exclude each other")]
    [InlineData("[Container]\nBundle=/b\nPublishPort=80:80\n", ": PublishPort= needs Image= (a bundle's config.json says it)")]
    [InlineData("[Container]\nImage=a\nImage=b\n", ":3: Image= is given twice")]
    [InlineData("[Container]\nImage=\n", ":2: Image= is empty")]
    [InlineData("[Contianer]\nImage=a\n", ":1: unknown section [Contianer]")]
    [InlineData("Image=a\n", ":1: \"Image=a\" is outside any section")]
    [InlineData("[Container]\nImage a\n", ":2: expected Key=Value, got \"Image a\"")]
    [InlineData("[Container]\nImage=a\nRestart=sometimes\n", ": Restart=sometimes: no, on-failure[:MAX], always or unless-stopped")]
    [InlineData("[Container]\nImage=a\nStopTimeout=soon\n", ": StopTimeout=soon: a number of seconds")]
    [InlineData("[Unit]\nDescription=x\n", ": no [Container] section")]
    public void A_bad_file_is_named_with_its_line_and_skipped_while_the_good_ones_are_written(string text, string error)
    {
        Write("bad.container", text);
        Write("good.container", "[Container]\nImage=localhost/good\n");
        var r = Generate();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"rlrun generate units: {Path.Join(_source, "bad.container")}{error}", r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Path.Join(_out, "rlrun-bad.service")), "a unit was written for the bad file");
        Assert.True(File.Exists(Path.Join(_out, "rlrun-good.service")), "the good file's unit is missing");
    }

    [Fact]
    public void No_source_directory_writes_nothing_and_succeeds()
    {
        var r = _s.Rl("generate", "units", "--source", Path.Join(_s.Dir, "none"), _out);
        Assert.True(r.ExitCode == 0 && r.Stderr.Length == 0, r.ToString());
        Assert.False(Directory.Exists(_out));
    }
}
