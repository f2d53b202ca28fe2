namespace Rlrun.Cli.Docs;

/// <summary>What the shells run to list completions, after the rlrun they were asked for.</summary>
static class CompletionSources
{
    public const string Containers = "list -q 2>/dev/null";

    /// <summary>NAME:TAG of every named image in the store (the table's first two columns).</summary>
    public const string Images = "images 2>/dev/null | awk 'NR > 1 && $1 != \"<none>\" { print $1 \":\" $2 }'";
}
