using Rlrun.Runtime.Process;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Processes;

public class ExecutableLookupTests
{
    [Fact]
    public void The_first_PATH_entry_with_the_program_wins()
    {
        var exes = new HashSet<string> { "/usr/bin/python3", "/opt/py/bin/python3" };
        string found = ExecutableLookup.Resolve("python3", ["HOME=/root", "PATH=/opt/py/bin:/usr/bin"], exes.Contains);
        Assert.Equal("/opt/py/bin/python3", found);
    }

    [Fact]
    public void Without_PATH_the_default_path_is_searched_in_order()
    {
        var asked = new List<string>();
        Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("nothing", ["TERM=xterm"], p => { asked.Add(p); return false; }));
        Assert.Equal(ExecutableLookup.DefaultPath.Split(':').Select(d => d + "/nothing"), asked);
    }

    [Fact]
    public void Without_env_the_default_path_is_used()
    {
        Assert.Equal("/usr/bin/sh", ExecutableLookup.Resolve("sh", null, p => p == "/usr/bin/sh"));
    }

    [Fact]
    public void The_last_PATH_in_env_wins()
    {
        string found = ExecutableLookup.Resolve("tool", ["PATH=/first", "PATH=/second"], p => p.StartsWith("/first") || p.StartsWith("/second"));
        Assert.Equal("/second/tool", found);
    }

    [Fact]
    public void An_empty_PATH_entry_means_the_current_directory()
    {
        Assert.Equal("./tool", ExecutableLookup.Resolve("tool", ["PATH=/bin::/usr/bin"], p => p == "./tool"));
    }

    [Fact]
    public void A_name_with_a_slash_is_not_searched()
    {
        var asked = new List<string>();
        Assert.Equal("bin/run", ExecutableLookup.Resolve("bin/run", ["PATH=/usr/bin"], p => { asked.Add(p); return true; }));
        Assert.Equal(["bin/run"], asked);

        var e = Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("/app/run", null, _ => false));
        Assert.Contains("\"/app/run\"", e.Message);
    }

    [Fact]
    public void A_program_not_on_PATH_is_not_found_naming_it()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ExecutableLookup.Resolve("frobnicate", ["PATH=/bin"], _ => false));
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
