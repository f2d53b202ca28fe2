using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>The help, the completions and the man pages say the same commands and flags. The test
/// reads them from the binary's --help (not from the source), then asks each shell for its
/// completions: bash through _rlrun with COMP_WORDS set, fish through `complete -C`, zsh by loading
/// the script in a real zsh. A new command in src/Cli/CommandTable.cs without docs/commands/NAME.md
/// fails here, naming the file to write.</summary>
public sealed class CommandDocsTests
{
    /// <summary>A command of --help ("image import") and its flags as --help spells them.</summary>
    public sealed record HelpCommand(string Name, List<string> Flags);

    static readonly Lazy<List<HelpCommand>> Help = new(ReadHelp);

    static ProcResult Rl(params string[] args) => Proc.Run(Host.Binary, args);

    static List<HelpCommand> ReadHelp()
    {
        var top = Rl("--help").EnsureSuccess("rlrun --help");
        var names = top.Stdout.Split('\n').SkipWhile(l => l != "Commands:").Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => l.Trim()).Select(l => l[..l.IndexOf("  ", StringComparison.Ordinal)].Trim()).ToList();
        Assert.True(names.Count > 10, $"rlrun --help lists no commands:\n{top.Stdout}");
        return [.. names.Select(n =>
        {
            var r = Rl([.. n.Split(' '), "--help"]).EnsureSuccess($"rlrun {n} --help");
            var flags = r.Stdout.Split('\n').SkipWhile(l => l != "Options:").Skip(1).Where(l => l.StartsWith("  -"))
                .SelectMany(l => l.Trim().Split("  ")[0].Split(", ")).Select(f => f.Trim()).ToList();
            return new HelpCommand(n, flags);
        })];
    }

    static List<string> GlobalFlags()
    {
        var top = Rl("--help").EnsureSuccess("rlrun --help");
        return [.. top.Stdout.Split('\n').SkipWhile(l => l != "Global options:").Skip(1).Where(l => l.StartsWith("  -"))
            .Select(l => l.Trim().Split(' ')[0])];
    }

    static string DescriptionFile(string command) => Path.Join(Host.RepoRoot, "docs", "commands", command.Replace(' ', '-') + ".md");

    [Fact]
    public void EveryCommandInHelpHasItsManPageDescription()
    {
        var missing = Help.Value.Where(c => !File.Exists(DescriptionFile(c.Name))).Select(c => $"\"{c.Name}\" (write {DescriptionFile(c.Name)})").ToList();
        Assert.True(missing.Count == 0, $"commands in rlrun --help without a man page description: {string.Join(", ", missing)}");
        var stale = Directory.GetFiles(Path.Join(Host.RepoRoot, "docs", "commands"), "*.md").Select(f => Path.GetFileNameWithoutExtension(f)!)
            .Where(f => f != "rlrun" && !Help.Value.Any(c => c.Name.Replace(' ', '-') == f)).ToList();
        Assert.True(stale.Count == 0, $"docs/commands describes commands rlrun --help does not list: {string.Join(", ", stale)}");
    }

    [Fact]
    public void ManPagesAreWrittenForEveryCommandAndManReadsThem()
    {
        string dir = Path.Join(Host.RunDir, $"packaging-man-{Guid.NewGuid():N}");
        try
        {
            Rl("__man", Path.Join(Host.RepoRoot, "docs", "commands"), dir).EnsureSuccess("rlrun __man");
            foreach (var c in Help.Value)
            {
                string page = Path.Join(dir, $"rlrun-{c.Name.Replace(' ', '-')}.1");
                Assert.True(File.Exists(page), $"no man page {page} for \"{c.Name}\"");
                string text = File.ReadAllText(page);
                foreach (var f in c.Flags)
                    Assert.True(text.Contains($"\\fB{f.Replace("-", "\\-")}\\fR"), $"{page} does not list {f} of \"{c.Name}\"");
            }
            if (!File.Exists("/usr/bin/man")) return; // the pages are checked; rendering needs man-db
            // man-db renders each page with no warning (bad roff shows as "warning:" lines).
            foreach (var page in Directory.GetFiles(dir).Append(Path.Join(Host.RepoRoot, "packaging", "man", "rlrun.json.5")))
            {
                var r = Proc.Run(new ProcSpec("/usr/bin/man", ["--warnings", "-l", page], [new("MANPAGER", "cat"), new("MANWIDTH", "80")]));
                Assert.True(r.ExitCode == 0 && !r.Stderr.Contains("warning"), $"man -l {page}: {r}");
            }
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void ManPagesRefuseACommandWithoutDescriptionNamingIt()
    {
        string dir = Path.Join(Host.RunDir, $"packaging-desc-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var f in Directory.GetFiles(Path.Join(Host.RepoRoot, "docs", "commands")))
                if (Path.GetFileName(f) != "kill.md") File.Copy(f, Path.Join(dir, Path.GetFileName(f)));
            var r = Rl("__man", dir, Path.Join(dir, "out"));
            Assert.True(r.ExitCode == 1, $"a missing description should fail: {r}");
            Assert.Contains($"command \"kill\" has no description: write {Path.Join(dir, "kill.md")}", r.Stderr);
            Assert.False(Directory.Exists(Path.Join(dir, "out")), "pages were written although a description is missing");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BashCompletesEveryCommandAndFlagOfHelp()
    {
        string script = Rl("completion", "bash").EnsureSuccess("rlrun completion bash").Stdout;
        // One bash: for each command, the words typed so far and what _rlrun offers.
        var probe = new System.Text.StringBuilder(script);
        probe.Append("complete_words() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _rlrun; echo \"$*|${COMPREPLY[*]}\"; }\n");
        probe.Append("complete_words rlrun ''\n");
        probe.Append("complete_words rlrun -\n");
        foreach (var c in Help.Value)
        {
            string words = string.Join(' ', c.Name.Split(' ').Select(w => $"'{w}'"));
            probe.Append($"complete_words rlrun {words} -\n");
        }
        var r = Proc.Run("/bin/bash", ["--norc", "-c", probe.ToString()]).EnsureSuccess("bash completion probe");
        var offered = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('|', 2)).ToDictionary(p => p[0], p => p[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet());
        var top = offered["rlrun "];
        foreach (var word in Help.Value.Select(c => c.Name.Split(' ')[0]).Distinct())
            Assert.True(top.Contains(word), $"bash: `rlrun <TAB>` does not offer \"{word}\" (offered: {string.Join(' ', top)})");
        foreach (var f in GlobalFlags())
            Assert.True(offered["rlrun -"].Contains(f), $"bash: `rlrun -<TAB>` does not offer the global flag {f}");
        foreach (var c in Help.Value)
        {
            var got = offered[$"rlrun {c.Name} -"];
            foreach (var f in c.Flags)
                Assert.True(got.Contains(f), $"bash: `rlrun {c.Name} -<TAB>` does not offer {f} (offered: {string.Join(' ', got)})");
        }
    }

    [Fact]
    public void BashCompletesContainerIdsUnderTheGivenRoot()
    {
        using var sb = new Sandbox();
        var (id, _, _) = sb.RunDetached("packaging-compl");
        string script = Rl("completion", "bash").EnsureSuccess("rlrun completion bash").Stdout;
        // COMP_WORDS[0] is the binary under test: the completion asks it for the IDs, with --root.
        string probe = script + $"COMP_WORDS=('{Host.Binary}' --root '{sb.StateRoot}' kill ''); COMP_CWORD=4; _rlrun; echo \"${{COMPREPLY[*]}}\"\n";
        var r = Proc.Run(Host.AsUser("/bin/bash", ["--norc", "-c", probe], Host.ShellEnv)).EnsureSuccess("bash completion of IDs");
        Assert.True(r.Stdout.Split(' ', StringSplitOptions.TrimEntries).Contains(id), $"bash: `rlrun --root R kill <TAB>` does not offer {id}: {r}");
    }

    [ToolFact("/usr/bin/fish", "fish")]
    public void FishCompletesEveryCommandAndFlagOfHelp()
    {
        string script = Path.Join(Host.RunDir, $"packaging-{Guid.NewGuid():N}.fish");
        File.WriteAllText(script, Rl("completion", "fish").EnsureSuccess("rlrun completion fish").Stdout);
        try
        {
            var probe = new System.Text.StringBuilder($"source {script}\n");
            probe.Append("echo '>rlrun '; complete -C 'rlrun '\n");
            foreach (var c in Help.Value) probe.Append($"echo '>rlrun {c.Name} -'; complete -C 'rlrun {c.Name} -'\n");
            var r = Proc.Run("/usr/bin/fish", ["--no-config", "-c", probe.ToString()]).EnsureSuccess("fish completion probe");
            var offered = new Dictionary<string, HashSet<string>>();
            HashSet<string>? current = null;
            foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (line.StartsWith('>')) offered[line[1..]] = current = [];
                else current!.Add(line.Split('\t')[0]);
            foreach (var word in Help.Value.Select(c => c.Name.Split(' ')[0]).Distinct())
                Assert.True(offered["rlrun "].Contains(word), $"fish: `rlrun <TAB>` does not offer \"{word}\"");
            foreach (var c in Help.Value)
                foreach (var f in c.Flags)
                    Assert.True(offered[$"rlrun {c.Name} -"].Contains(f), $"fish: `rlrun {c.Name} -<TAB>` does not offer {f} (offered: {string.Join(' ', offered[$"rlrun {c.Name} -"])})");
        }
        finally { File.Delete(script); }
    }

    [ToolFact("/usr/bin/zsh", "zsh")]
    public void ZshLoadsTheCompletionAndKnowsEveryCommandAndFlag()
    {
        string dir = Path.Join(Host.RunDir, $"packaging-zsh-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string script = Rl("completion", "zsh").EnsureSuccess("rlrun completion zsh").Stdout;
            File.WriteAllText(Path.Join(dir, "_rlrun"), script);
            // compinit finds _rlrun through fpath and binds it to rlrun, as an installed file is.
            var r = Proc.Run("/usr/bin/zsh", ["-f", "-c", $"fpath=({dir} $fpath); autoload -U compinit; compinit -u -d {dir}/.zcompdump; print -r -- ${{_comps[rlrun]}}"],
                timeout: TimeSpan.FromSeconds(60)).EnsureSuccess("zsh compinit");
            Assert.Equal("_rlrun", r.Stdout.Trim());
            foreach (var word in Help.Value.Select(c => c.Name.Split(' ')[0]).Distinct())
                Assert.True(script.Contains($"'{word}:"), $"zsh: the command list has no \"{word}\"");
            foreach (var c in Help.Value)
                foreach (var f in c.Flags)
                    Assert.True(script.Contains($"{f}["), $"zsh: no spec for {f} of \"{c.Name}\"");
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>A test that needs a program: skipped, naming it and its package, when it is missing.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string path, string package)
    {
        if (!File.Exists(path)) Skip = $"{path} is not installed (as root: apt-get install -y {package})";
    }
}
