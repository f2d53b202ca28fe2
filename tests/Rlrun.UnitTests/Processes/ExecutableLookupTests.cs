using Rlrun.Runtime.Process;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Processes;

public class ExecutableLookupTests
{
    const int Enoent = 2, Eacces = 13;

    static Func<string, int> Exes(Func<string, bool> isExecutable) => p => isExecutable(p) ? 0 : Enoent;

    // podman reads these words to choose 127 and 126: they are runc's, the errno's own, lower-case.
    [Fact]
    public void A_missing_path_is_said_as_runc_says_it()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("/nonexistent", null, _ => Enoent));
        Assert.Equal("exec: \"/nonexistent\": stat /nonexistent: no such file or directory", e.Message);
    }

    [Fact]
    public void A_path_that_is_not_executable_is_permission_denied()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("/etc/passwd", null, _ => ExecutableLookup.NotExecutable));
        Assert.Equal("exec: \"/etc/passwd\": permission denied", e.Message);
        var denied = Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("/secret/tool", null, _ => Eacces));
        Assert.Equal("exec: \"/secret/tool\": stat /secret/tool: permission denied", denied.Message);
    }

    [Fact]
    public void The_default_probe_tells_missing_from_not_executable()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.Join("data"), "x");
        File.SetUnixFileMode(tmp.Join("data"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(Enoent, ExecutableLookup.Probe(tmp.Join("missing")));
        Assert.Equal(ExecutableLookup.NotExecutable, ExecutableLookup.Probe(tmp.Join("data")));
        Assert.Equal(ExecutableLookup.NotExecutable, ExecutableLookup.Probe(tmp.Path));
        Assert.Equal(0, ExecutableLookup.Probe("/bin/sh"));
    }

    [Fact]
    public void The_first_PATH_entry_with_the_program_wins()
    {
        var exes = new HashSet<string> { "/usr/bin/python3", "/opt/py/bin/python3" };
        string found = ExecutableLookup.Resolve("python3", ["HOME=/root", "PATH=/opt/py/bin:/usr/bin"], Exes(exes.Contains));
        Assert.Equal("/opt/py/bin/python3", found);
    }

    [Fact]
    public void Without_PATH_the_default_path_is_searched_in_order()
    {
        var asked = new List<string>();
        Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("nothing", ["TERM=xterm"], p => { asked.Add(p); return Enoent; }));
        Assert.Equal(ExecutableLookup.DefaultPath.Split(':').Select(d => d + "/nothing"), asked);
    }

    [Fact]
    public void Without_env_the_default_path_is_used()
    {
        Assert.Equal("/usr/bin/sh", ExecutableLookup.Resolve("sh", null, Exes(p => p == "/usr/bin/sh")));
    }

    [Fact]
    public void The_last_PATH_in_env_wins()
    {
        string found = ExecutableLookup.Resolve("tool", ["PATH=/first", "PATH=/second"], Exes(p => p.StartsWith("/first") || p.StartsWith("/second")));
        Assert.Equal("/second/tool", found);
    }

    [Fact]
    public void An_empty_PATH_entry_means_the_current_directory()
    {
        Assert.Equal("./tool", ExecutableLookup.Resolve("tool", ["PATH=/bin::/usr/bin"], Exes(p => p == "./tool")));
    }

    [Fact]
    public void A_name_with_a_slash_is_not_searched()
    {
        var asked = new List<string>();
        Assert.Equal("bin/run", ExecutableLookup.Resolve("bin/run", ["PATH=/usr/bin"], p => { asked.Add(p); return 0; }));
        Assert.Equal(["bin/run"], asked);

        var e = Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("/app/run", null, _ => Enoent));
        Assert.Contains("\"/app/run\"", e.Message);
    }

    [Fact]
    public void A_program_not_on_PATH_is_not_found_naming_it()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("frobnicate", ["PATH=/bin"], _ => Enoent));
        Assert.Contains("\"frobnicate\"", e.Message);
        Assert.Contains("$PATH", e.Message);
    }

    [Fact]
    public void The_default_check_skips_directories_and_files_without_the_execute_bit()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.Join("a", "tool"));
        Directory.CreateDirectory(tmp.Join("b"));
        File.WriteAllText(tmp.Join("b", "tool"), "#!/bin/sh\n");
        File.SetUnixFileMode(tmp.Join("b", "tool"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(tmp.Join("c"));
        File.WriteAllText(tmp.Join("c", "tool"), "#!/bin/sh\n");
        File.SetUnixFileMode(tmp.Join("c", "tool"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        string path = $"PATH={tmp.Join("a")}:{tmp.Join("b")}:{tmp.Join("c")}";
        Assert.Equal(tmp.Join("c", "tool"), ExecutableLookup.Resolve("tool", [path]));
    }
}
