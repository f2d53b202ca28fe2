using System.Text.Json;

namespace Rlrun.Images.Store;

/// <summary>Reads and updates index.json: each update is a read-modify-write under store.lock,
/// ending in one atomic rename, so readers see the old index or the new one, never a mix.</summary>
public sealed class StoreIndexFile(StorePaths paths)
{
    public StoreIndex Read()
    {
        byte[] data;
        try { data = File.ReadAllBytes(paths.IndexFile); }
        catch (FileNotFoundException) { return new StoreIndex(); }
        // By hand: StoreJsonContext's first use costs every image run ~3 ms of metadata building.
        try { return StoreIndexReader.Read(data) ?? new StoreIndex(); }
        catch (JsonException e) { throw new InvalidDataException(Runtime.Spec.SpecJsonError.Describe(data, paths.IndexFile, "image index (damaged)", e)); }
    }

    /// <summary>Applies change to the current index and saves it when it returns true.</summary>
    public T Update<T>(Func<StoreIndex, (bool Changed, T Result)> change)
    {
        using var _ = FileLock.Exclusive(paths.StoreLock);
        var index = Read();
        var (changed, result) = change(index);
        if (changed) AtomicFile.Write(paths.IndexFile, JsonSerializer.SerializeToUtf8Bytes(index, StoreJsonContext.Default.StoreIndex));
        return result;
    }

    public void Update(Action<StoreIndex> change) => Update(i => { change(i); return (true, 0); });
}
