using System.Globalization;
using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.Host;
using Rlrun.Runtime.Logs;
using Rlrun.Runtime.State;

namespace Rlrun.Cli.Commands;

/// <summary>`logs [-f] [--since TIME] [--tail N] [-t] ID`, as podman logs: the log the rlrun daemon
/// keeps of a container (LogPaths), stdout records to stdout and stderr records to stderr.</summary>
public sealed class LogsCommand : ICommand
{
    public string Name => "logs";
    public string Usage => "[-f] [--since TIME] [--tail N] [-t] <container-id>";
    public string Summary => "print the output of a container run by the rlrun daemon";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["follow", "f"], false, "keep printing new output until the container stops for good"),
        new(["since"], true, "only output from this time on: RFC3339 (2026-12-01T10:00:00Z) or a duration back from now (10s, 5m, 1h30m)"),
        new(["tail"], true, "only the last N lines (default all)"),
        new(["timestamps", "t"], false, "put each line's time first"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        var since = args.Value("since") is { } s ? Since(s, DateTimeOffset.UtcNow) : (DateTimeOffset?)null;
        int? tail = args.Value("tail") is { } t ? Tail(t) : null;
        DaemonClient.Revive(ctx, id); // the output waits in its FIFOs for a daemon to drain it
        string path = LogPaths.For(id);
        if (!LogPaths.Exists(path))
            throw new FileNotFoundException($"container \"{id}\" has no log file ({path}): only containers the rlrun daemon runs (run -d --restart, run -d --image) have logs, until they are deleted");

        using var output = new Output(args.Bool("timestamps"));
        var reader = new ContainerLogReader(path);
        if (args.Bool("follow"))
            reader.Follow(since, tail, output.Write, () => StillRunning(ctx.Root, id), output.Flush, output.Closed);
        else
            reader.Read(since, tail, output.Write);
        return 0;
    }

    /// <summary>An RFC3339 time, or a duration (Go's syntax, as podman takes it) back from NOW.</summary>
    public static DateTimeOffset Since(string text, DateTimeOffset now)
    {
        if (LogTimestamp.TryParse(text, out var time)) return time;
        if (GoDuration(text) is { } ago) return now - ago;
        throw new UsageException($"invalid --since \"{text}\": an RFC3339 time (2026-12-01T10:00:00Z) or a duration (10s, 5m, 1h30m)");
    }

    public static int? Tail(string text)
    {
        if (text is "all" or "-1") return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return n;
        throw new UsageException($"invalid --tail \"{text}\": a number of lines (0 or more), or \"all\"");
    }

    /// <summary>10s, 5m, 2h, 1h30m, 1.5h, 250ms: numbers with units, summed; null if not one.</summary>
    static TimeSpan? GoDuration(string text)
    {
        double ms = 0;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (!double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v)) return null;
            int unit = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.') i++;
            double scale = text[unit..i] switch { "ns" => 1e-6, "us" or "µs" => 1e-3, "ms" => 1, "s" => 1e3, "m" => 6e4, "h" => 3.6e6, _ => -1 };
            if (scale < 0) return null;
            ms += v * scale;
        }
        return text.Length > 0 && ms < TimeSpan.MaxValue.TotalMilliseconds ? TimeSpan.FromMilliseconds(ms) : null;
    }

    /// <summary>Whether more output may come: the container is up, or the daemon supervises it and
    /// may restart it (its record in ROOT/.supervised says so; read here because the CLI does not link src/Actors).</summary>
    static bool StillRunning(string root, string id)
    {
        if (Supervised(root, id)) return true;
        try
        {
            return new ContainerQuery(new StateStore(root)).State(id).Status
                is ContainerStatus.Running or ContainerStatus.Created or ContainerStatus.Paused;
        }
        catch (Exception e) when (e is ContainerNotFoundException or IOException) { return false; }
    }

    static bool Supervised(string root, string id)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Runtime.Daemon.DaemonPaths.Record(root, id)));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String
                && state.GetString() is { } v
                && !v.Equals("stopped", StringComparison.OrdinalIgnoreCase) && !v.Equals("deleted", StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return false; }
    }

    /// <summary>Buffered stdout and stderr; a switch of stream flushes the other first, so `2>&1`
    /// keeps the order. With -t the time goes before each line, not before each piece of one
    /// (-f prints P records as they come). A closed reader (`| head`) ends the command quietly.</summary>
    sealed class Output(bool timestamps) : IDisposable
    {
        readonly BufferedStream _out = new(TerminalStdio.OpenStandard(1), 64 * 1024), _err = new(TerminalStdio.OpenStandard(2), 64 * 1024);
        readonly CancellationTokenSource _closed = new();
        readonly bool[] _midLine = new bool[2];
        LogStream? _last;

        public CancellationToken Closed => _closed.Token;

        public void Write(LogLine line)
        {
            if (_closed.IsCancellationRequested) return;
            var to = line.Stream == LogStream.Stdout ? _out : _err;
            try
            {
                if (_last is { } last && last != line.Stream) (last == LogStream.Stdout ? _out : _err).Flush();
                _last = line.Stream;
                if (timestamps && !_midLine[(int)line.Stream]) to.Write(Encoding.ASCII.GetBytes(LogTimestamp.Format(line.Time) + " "));
                to.Write(line.Content);
                if (line.Complete) to.WriteByte((byte)'\n');
                _midLine[(int)line.Stream] = !line.Complete;
            }
            catch (IOException) { _closed.Cancel(); }
        }

        public void Flush()
        {
            if (_closed.IsCancellationRequested) return;
            try { _out.Flush(); _err.Flush(); }
            catch (IOException) { _closed.Cancel(); }
        }

        public void Dispose()
        {
            Flush();
            _closed.Dispose();
        }
    }
}
