namespace Rlrun.Cli.Docs;

/// <summary>What a command's positional arguments are, for completion: read from its usage line,
/// so a new command that says "&lt;container-id&gt;" or "REF" completes them with no extra entry.</summary>
public enum ArgKind { None, Container, Image, Files }

/// <summary>A command as the completions and man pages see it (from <see cref="CommandTable"/>).</summary>
public sealed record CommandDoc(string Name, string Usage, string Summary, IReadOnlyList<Flag> Flags)
{
    /// <summary>"image import": the words typed after rlrun.</summary>
    public string[] Words => Name.Split(' ');

    /// <summary>rlrun-image-import: the man page's name.</summary>
    public string PageName => "rlrun-" + Name.Replace(' ', '-');

    /// <summary>image-import.md under docs/commands.</summary>
    public string DescriptionFile => Name.Replace(' ', '-') + ".md";

    public ArgKind Args =>
        Usage.Contains("<container-id>") ? ArgKind.Container
        : Usage.Contains("REF") ? ArgKind.Image
        : Usage.Contains("SOURCE") || Usage.Contains("DIR") && !Usage.Contains("--storage DIR") ? ArgKind.Files
        : ArgKind.None;

    /// <summary>The top-level words: every command's first word ("image" once).</summary>
    public static IEnumerable<string> TopWords(IEnumerable<CommandDoc> all) => all.Select(c => c.Words[0]).Distinct();

    public static IReadOnlyList<CommandDoc> All() =>
        [.. CommandTable.All.Select(c => new CommandDoc(c.Name, c.Usage, c.Summary, [.. c.Flags, CommandTable.Help]))];

    /// <summary>The summary of a group word ("image") or a command.</summary>
    public static string SummaryOf(IEnumerable<CommandDoc> all, string word) =>
        all.FirstOrDefault(c => c.Name == word)?.Summary
        ?? $"{word} commands: {string.Join(", ", all.Where(c => c.Words[0] == word).Select(c => c.Words[1]))}";
}
