namespace Rlrun.Runtime.Container;

/// <summary>--pid-file: the PID, written to a temporary file and renamed, as runc does.</summary>
public static class PidFile
{
    public static void Write(string path, int pid)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Join(Path.GetDirectoryName(full), $".{Path.GetFileName(full)}.{Environment.ProcessId}");
        File.WriteAllText(tmp, pid.ToString());
        File.Move(tmp, full, overwrite: true);
    }
}
