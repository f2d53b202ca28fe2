using System.Text.Json;
using Rlrun.Runtime.Daemon;

namespace Rlrun.Actors;

/// <summary>Reads and writes the supervision records: &lt;root&gt;/.supervised/&lt;id&gt;.json, beside the
/// runtime's container directories but not in them, because a restart deletes the container's
/// directory and creates it again: a daemon killed in between must still find the record. The
/// runtime's store ignores the directory (it has no state.json). Written atomically: a temporary
/// file, fsync, rename, so a crash leaves the old record or the new one, never half of one.</summary>
public sealed class SupervisionStore(string stateRoot, string? dir = null)
{
    public string Root { get; } = stateRoot;

    /// <summary>ROOT/.supervised, the daemon's; another directory for a supervisor whose records
    /// no daemon may adopt (the foreground `run --restart`).</summary>
    public string Dir { get; } = dir ?? Path.Join(stateRoot, DaemonPaths.SupervisedDir);

    public string PathOf(string id) => Path.Join(Dir, id + ".json");

    public void Save(SupervisionRecord record)
    {
        Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string tmp = Path.Join(Dir, $".{record.Spec.Id}.{Environment.ProcessId}.tmp");
        byte[] data = JsonSerializer.SerializeToUtf8Bytes(record, SupervisionJsonContext.Default.SupervisionRecord);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var file = new FileStream(tmp, options);
            file.Write(data);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A full disk (ENOSPC): the record stays as it was, and no half-written file takes space.
            try { File.Delete(tmp); }
            catch (IOException) { }
            throw;
        }
        File.Move(tmp, PathOf(record.Spec.Id), overwrite: true);
    }

    /// <summary>The container is no longer supervised (deleted).</summary>
    public void Remove(string id) => File.Delete(PathOf(id));

    /// <summary>null when the container has no record.</summary>
    /// <exception cref="IOException">the record is unreadable or corrupt (the message names the file)</exception>
    public SupervisionRecord? Load(string id)
    {
        string path = PathOf(id);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        try
        {
            var record = JsonSerializer.Deserialize(data, SupervisionJsonContext.Default.SupervisionRecord)
                         ?? throw new IOException($"{path}: empty supervision record");
            if (record.Spec.Id != id) throw new IOException($"{path}: the record is for container {record.Spec.Id}, not {id}");
            if (!RestartPolicy.TryParse(record.Policy, out _, out string? error)) throw new IOException($"{path}: {error}");
            return record;
        }
        catch (JsonException e) { throw new IOException($"{path}: corrupt supervision record: {e.Message}"); }
    }

    /// <summary>Every readable record, by ID; unreadable ones are reported to warn and skipped.</summary>
    public List<SupervisionRecord> LoadAll(Action<string>? warn = null)
    {
        var result = new List<SupervisionRecord>();
        if (!Directory.Exists(Dir)) return result;
        foreach (string file in Directory.EnumerateFiles(Dir, "*.json").Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileNameWithoutExtension(file);
            try
            {
                if (Load(id) is { } record) result.Add(record);
            }
            catch (IOException e) { warn?.Invoke(e.Message); }
        }
        return result;
    }
}
