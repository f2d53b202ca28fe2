using System.Text.Json;

namespace Rlrun.Actors;

/// <summary>Reads and writes supervision.json in each container's state directory
/// (&lt;root&gt;/&lt;id&gt;/, the runtime's StateStore layout). Written atomically: a temporary file,
/// fsync, rename, so a crash leaves the old record or the new one, never half of one. The file lives
/// and dies with the state directory: a delete removes it, a restart writes it again.
/// ADAPTER: belongs in Rlrun.Runtime.State once ContainerState carries these fields.</summary>
public sealed class SupervisionStore(string stateRoot)
{
    public const string FileName = "supervision.json";

    public string Root { get; } = stateRoot;

    public string PathOf(string id) => Path.Join(Root, id, FileName);

    /// <summary>False when the container has no state directory (never started, or deleted):
    /// there is nothing to attach the record to.</summary>
    public bool Save(SupervisionRecord record)
    {
        string dir = Path.Join(Root, record.Spec.Id);
        if (!Directory.Exists(dir)) return false;
        string tmp = Path.Join(dir, $".{FileName}.{Environment.ProcessId}.tmp");
        byte[] data = JsonSerializer.SerializeToUtf8Bytes(record, SupervisionJsonContext.Default.SupervisionRecord);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(tmp, options))
            {
                file.Write(data);
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, Path.Join(dir, FileName), overwrite: true);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted under us (a `rlrun delete` from outside): no directory, no record.
            return false;
        }
    }

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

    /// <summary>Every readable record under the root, by ID; unreadable ones are reported to warn and skipped.</summary>
    public List<SupervisionRecord> LoadAll(Action<string>? warn = null)
    {
        var result = new List<SupervisionRecord>();
        if (!Directory.Exists(Root)) return result;
        foreach (string dir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileName(dir);
            try
            {
                if (Load(id) is { } record) result.Add(record);
            }
            catch (IOException e) { warn?.Invoke(e.Message); }
        }
        return result;
    }
}
