namespace Rlrun.Runtime.Process;

/// <summary>This process's environment as execve and spawn take it: "KEY=VALUE" entries.</summary>
public static class EnvironmentEntries
{
    public static List<string> Current() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().Select(e => $"{e.Key}={e.Value}").ToList();
}
