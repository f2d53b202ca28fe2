using System.Text;

namespace Rlrun.Runtime.Logs;

/// <summary>One line of a log file: `TIME STREAM TAG CONTENT`; Partial when the tag is P.</summary>
public sealed record LogRecord(DateTimeOffset Time, LogStream Stream, bool Partial, byte[] Content)
{
    /// <summary>Parses one line (without its newline); false for anything that is not a record.
    /// A tag is F or P, optionally with more ':'-separated fields as the CRI format allows.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out LogRecord? record)
    {
        record = null;
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 < 20 || sp1 > 64) return false;
        Span<char> ts = stackalloc char[sp1];
        if (Encoding.ASCII.GetChars(line[..sp1], ts) != sp1 || !LogTimestamp.TryParse(ts, out var time)) return false;
        var rest = line[(sp1 + 1)..];
        LogStream stream;
        if (rest.StartsWith("stdout "u8)) stream = LogStream.Stdout;
        else if (rest.StartsWith("stderr "u8)) stream = LogStream.Stderr;
        else return false;
        rest = rest[7..];
        int sp2 = rest.IndexOf((byte)' ');
        var tag = sp2 < 0 ? rest : rest[..sp2];
        int colon = tag.IndexOf((byte)':');
        var first = colon < 0 ? tag : tag[..colon];
        if (first.Length != 1 || first[0] is not ((byte)'F' or (byte)'P')) return false;
        var content = sp2 < 0 ? [] : rest[(sp2 + 1)..];
        record = new LogRecord(time, stream, first[0] == (byte)'P', content.ToArray());
        return true;
    }
}

/// <summary>A line as `logs` prints it: P records joined with the record that ends them. Complete is
/// false for a line whose end has not come (the container exited mid-line), printed without a
/// newline; when following, a P record is such a piece, and the next piece of its stream goes on.</summary>
public sealed record LogLine(DateTimeOffset Time, LogStream Stream, byte[] Content, bool Complete);

/// <summary>Joins each stream's P records with the record that follows them on that stream.</summary>
sealed class LineJoiner
{
    readonly (DateTimeOffset Time, MemoryStream Bytes)?[] _pending = new (DateTimeOffset, MemoryStream)?[2];

    /// <summary>The finished line, or null while the record is a P and the line goes on.</summary>
    public LogLine? Add(LogRecord r)
    {
        ref var p = ref _pending[(int)r.Stream];
        if (!r.Partial && p is null) return new LogLine(r.Time, r.Stream, r.Content, Complete: true);
        p ??= (r.Time, new MemoryStream());
        p.Value.Bytes.Write(r.Content);
        if (r.Partial) return null;
        var line = new LogLine(p.Value.Time, r.Stream, p.Value.Bytes.ToArray(), Complete: true);
        p = null;
        return line;
    }

    /// <summary>The lines still waiting for their end, oldest first; forgotten afterwards.</summary>
    public List<LogLine> TakeUnfinished()
    {
        var lines = new List<LogLine>();
        for (int s = 0; s < _pending.Length; s++)
            if (_pending[s] is { } p)
            {
                lines.Add(new LogLine(p.Time, (LogStream)s, p.Bytes.ToArray(), Complete: false));
                _pending[s] = null;
            }
        lines.Sort((a, b) => a.Time.CompareTo(b.Time));
        return lines;
    }
}
