using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>rlrun's own output on a terminal (script(1) gives it one), as a user in a shell sees it:
/// the text and nothing else. .NET's console wrote keypad_xmit (ESC[?1h ESC=) before the first
/// line and never wrote it back, leaving the user's terminal in application cursor-key mode after
/// any rlrun command; runc and podman write no such thing.</summary>
public sealed class TerminalOutputTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>A terminal's TERM: .NET writes the mode only for a terminal its terminfo knows.</summary>
    public static readonly KeyValuePair<string, string> Term = new("TERM", "xterm");

    static IEnumerable<KeyValuePair<string, string>> Env => [.. Host.ShellEnv, Term];

    /// <summary>spec run by script(1) on a new pty: its stdout and stderr together, as the terminal got them.</summary>
    public static ProcResult OnTerminal(ProcSpec spec, TimeSpan? timeout = null)
    {
        string line = (spec.Env is { Count: > 0 } env ? new ProcSpec("env", [.. env.Select(kv => $"{kv.Key}={kv.Value}"), spec.File, .. spec.Args]) : spec).ToString();
        return Proc.Run("/usr/bin/script", ["-qec", line, "/dev/null"], timeout: timeout ?? TimeSpan.FromSeconds(60));
    }

    public static void AssertNoTerminalModes(string output)
    {
        Assert.DoesNotContain("\u001b[?1h", output);
        Assert.DoesNotContain("\u001b=", output);
    }

    [UserFact]
    public void Output_and_an_error_on_a_terminal_are_the_text_alone()
    {
        var version = OnTerminal(Host.AsUser(Host.Binary, ["--version"], Env));
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.StartsWith("rlrun version ", version.Stdout);
        AssertNoTerminalModes(version.Stdout);

        var list = OnTerminal(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "list"], Env));
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.StartsWith("ID ", list.Stdout);
        AssertNoTerminalModes(list.Stdout);

        var error = OnTerminal(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "state", "absent-id"], Env));
        Assert.Equal(1, error.ExitCode);
        Assert.StartsWith("rlrun: state: container absent-id does not exist", error.Stdout);
        AssertNoTerminalModes(error.Stdout);
    }

    /// <summary>features wrote its JSON through Console.OpenStandardOutput, whose first write on a
    /// terminal initialized .NET's console.</summary>
    [UserFact]
    public void Features_on_a_terminal_is_the_json_alone()
    {
        var r = OnTerminal(Host.AsUser(Host.Binary, ["features"], Env));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("{", r.Stdout);
        AssertNoTerminalModes(r.Stdout);
    }

    /// <summary>rlrun-supervisor (rlrun run --restart, the daemon) wrote its lines through .NET's console.</summary>
    [UserFact]
    public void Rlrun_supervisor_on_a_terminal_writes_its_line_alone()
    {
        string supervisor = Path.Join(Path.GetDirectoryName(Host.Binary)!, "rlrun-supervisor");
        var r = OnTerminal(Host.AsUser(supervisor, ["no-such-verb"], Env));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("rlrun: usage: rlrun-supervisor run", r.Stdout);
        AssertNoTerminalModes(r.Stdout);
    }

    /// <summary>A supervised run (rlrun-supervisor) with --debug on a terminal: its debug lines and the
    /// container's output, nothing else.</summary>
    [UserFact]
    public void A_supervised_run_on_a_terminal_writes_no_terminal_modes()
    {
        var b = _s.NewBundle(["sh", "-c", "echo supervised-out"]);
        var r = OnTerminal(Host.AsUser(Host.Binary, ["--debug", "--root", _s.StateRoot, "run", "--restart", "on-failure:1", "--bundle", b.Path, _s.NewId("ttysup")], Env));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("supervised-out", r.Stdout);
        Assert.Contains("rlrun: debug: ", r.Stdout);
        AssertNoTerminalModes(r.Stdout);
    }
}
