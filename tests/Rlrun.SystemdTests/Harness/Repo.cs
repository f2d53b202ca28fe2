namespace Rlrun.SystemdTests.Harness;

internal static class Repo
{
    /// <summary>The repository root: the first parent of the test assembly holding RootlessRuntime.sln.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "RootlessRuntime.sln"))) return d.FullName;
        throw new InvalidOperationException($"no RootlessRuntime.sln above {AppContext.BaseDirectory}");
    }
}
