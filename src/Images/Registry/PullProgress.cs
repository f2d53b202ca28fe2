namespace Rlrun.Images.Registry;

/// <summary>What a pull tells of its progress: one item per blob, by short digest.</summary>
public interface IPullProgress
{
    void Note(string line);
    void Begin(string id, string kind, long size);
    void Advance(string id, long bytes);
    /// <param name="note">"done", "already exists", "unpacked"</param>
    void End(string id, string note);
    void Finish();
}

/// <summary>--quiet: nothing.</summary>
public sealed class QuietProgress : IPullProgress
{
    public static readonly QuietProgress Instance = new();
    public void Note(string line) { }
    public void Begin(string id, string kind, long size) { }
    public void Advance(string id, long bytes) { }
    public void End(string id, string note) { }
    public void Finish() { }
}

/// <summary>Not a terminal: one plain line when a blob starts and one when it ends, as podman writes to a pipe.</summary>
public sealed class LineProgress(TextWriter output) : IPullProgress
{
    readonly Dictionary<string, (string Kind, long Size, DateTime Start)> _items = [];

    public void Note(string line) { lock (output) output.WriteLine(line); }

    public void Begin(string id, string kind, long size)
    {
        lock (output)
        {
            _items[id] = (kind, size, DateTime.UtcNow);
            output.WriteLine($"Copying {kind} {id} ({ByteCount.Human(size)})");
        }
    }

    public void Advance(string id, long bytes) { }

    public void End(string id, string note)
    {
        lock (output)
        {
            if (_items.TryGetValue(id, out var item))
            {
                double s = (DateTime.UtcNow - item.Start).TotalSeconds;
                output.WriteLine($"Copying {item.Kind} {id} {note} ({ByteCount.Human(item.Size)} in {s:0.0}s)");
            }
            else output.WriteLine($"Copying blob {id} {note}");
        }
    }

    public void Finish() { lock (output) output.Flush(); }
}

/// <summary>A terminal: one line per blob with bytes, total and rate, redrawn in place about five times a second.</summary>
public sealed class TerminalProgress : IPullProgress
{
    sealed class Item(string kind, long size)
    {
        public readonly string Kind = kind;
        public readonly long Size = size;
        public long Done;
        public string? Note;
        public readonly DateTime Start = DateTime.UtcNow;
        public DateTime End;
    }

    readonly TextWriter _output;
    readonly List<(string Id, Item Item)> _items = [];
    readonly Timer _timer;
    int _drawn;

    public TerminalProgress(TextWriter output)
    {
        _output = output;
        _timer = new Timer(_ => Draw(), null, 200, 200);
    }

    public void Note(string line)
    {
        lock (_items)
        {
            Erase();
            _output.WriteLine(line);
            Redraw();
        }
    }

    public void Begin(string id, string kind, long size) { lock (_items) _items.Add((id, new Item(kind, size))); }

    public void Advance(string id, long bytes)
    {
        lock (_items) { var item = Find(id); if (item is not null) item.Done += bytes; }
    }

    public void End(string id, string note)
    {
        lock (_items) { var item = Find(id); if (item is not null) { item.Note = note; item.End = DateTime.UtcNow; } }
    }

    public void Finish()
    {
        _timer.Dispose();
        Draw();
    }

    Item? Find(string id) => _items.FirstOrDefault(i => i.Id == id).Item;

    void Draw() { lock (_items) { Erase(); Redraw(); } }

    void Erase()
    {
        if (_drawn > 0) _output.Write($"\x1b[{_drawn}A\x1b[J");
        _drawn = 0;
    }

    void Redraw()
    {
        foreach (var (id, i) in _items)
        {
            double s = Math.Max(0.001, ((i.Note is null ? DateTime.UtcNow : i.End) - i.Start).TotalSeconds);
            string state = i.Note ?? $"{ByteCount.Human(i.Done)} / {ByteCount.Human(i.Size)}";
            // A blob that was there already moved no bytes: no rate to show.
            string rate = i.Done == 0 && i.Note is not null ? "" : $" {ByteCount.Human((long)(i.Done / s))}/s";
            _output.WriteLine($"Copying {i.Kind} {id} {state,-24}{rate}");
            _drawn++;
        }
        _output.Flush();
    }
}

static class ByteCount
{
    /// <summary>SI units, as podman prints sizes.</summary>
    public static string Human(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.Length - 1) { v /= 1000; u++; }
        return u == 0 ? $"{bytes} B" : $"{v:0.0} {units[u]}";
    }
}
