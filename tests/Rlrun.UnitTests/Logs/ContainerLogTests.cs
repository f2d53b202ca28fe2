using System.Collections.Concurrent;
using System.Text;
using Rlrun.Runtime.Logs;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Logs;

public class ContainerLogWriterTests : IDisposable
{
    readonly TempDir _tmp = new();
    readonly string _path;
    static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 11, 12, TimeSpan.Zero);
    const string Ts = "2026-12-01T10:11:12.123456700Z";
    DateTimeOffset _now = T0.AddTicks(1234567);

    public ContainerLogWriterTests() => _path = _tmp.Join("logs", "web.log");
    public void Dispose() => _tmp.Dispose();

    ContainerLogWriter Writer(long maxSize = 1 << 20, int maxFiles = 3) => new(_path, maxSize, maxFiles, () => _now);

    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Full_lines_become_F_records_with_nanosecond_utc_times()
    {
        _now = new DateTimeOffset(2026, 12, 1, 11, 11, 12, TimeSpan.FromHours(1)).AddTicks(1234567); // 10:11:12Z
        using (var w = Writer())
        {
            w.Write(LogStream.Stdout, B("hello\nworld\n"));
            w.Write(LogStream.Stderr, B("\n"));
        }
        Assert.Equal($"{Ts} stdout F hello\n{Ts} stdout F world\n{Ts} stderr F \n", File.ReadAllText(_path));
    }

    [Fact]
    public void A_chunk_without_newline_waits_per_stream_for_its_end()
    {
        using var w = Writer();
        _now = T0;
        w.Write(LogStream.Stdout, B("hel"));
        w.Write(LogStream.Stderr, B("oops\nhalf"));
        Assert.Equal($"{LogTimestamp.Format(T0)} stderr F oops\n", File.ReadAllText(_path));
        w.Write(LogStream.Stdout, B("lo\n"));
        Assert.EndsWith("stdout F hello\n", File.ReadAllText(_path));
        Assert.DoesNotContain("half", File.ReadAllText(_path));
    }

    [Fact]
    public void Flush_and_Dispose_write_unfinished_lines_as_P_records()
    {
        var w = Writer();
        w.Write(LogStream.Stdout, B("prompt> "));
        Assert.Equal("", File.ReadAllText(_path));
        w.Flush();
        Assert.Equal($"{Ts} stdout P prompt> \n", File.ReadAllText(_path));
        w.Flush(); // nothing left: no empty record
        w.Write(LogStream.Stderr, B("last words"));
        w.Dispose();
        Assert.Equal($"{Ts} stdout P prompt> \n{Ts} stderr P last words\n", File.ReadAllText(_path));
        Assert.Throws<ObjectDisposedException>(() => w.Write(LogStream.Stdout, B("x")));
    }

    [Fact]
    public void Lines_longer_than_16_KiB_are_split_into_P_records()
    {
        using (var w = Writer())
        {
            w.Write(LogStream.Stdout, B(new string('a', 40000) + "\n" + new string('b', 20000)));
            w.Write(LogStream.Stdout, B("c\n"));
        }
        var records = File.ReadAllLines(_path).Select(l => l.Split(' ', 4)).ToList();
        Assert.Equal(["P", "P", "F", "P", "F"], records.Select(r => r[2]));
        Assert.Equal([16384, 16384, 40000 - 32768, 16384, 20000 - 16384 + 1], records.Select(r => r[3].Length));
        Assert.Equal(new string('a', 40000), string.Concat(records.Take(3).Select(r => r[3])));
        Assert.Equal(new string('b', 20000) + "c", string.Concat(records.Skip(3).Select(r => r[3])));
    }

    [Fact]
    public void The_file_is_0600_in_a_0700_directory_and_appends_to_an_existing_log()
    {
        using (var w = Writer()) w.Write(LogStream.Stdout, B("one\n"));
        using (var w = Writer()) w.Write(LogStream.Stdout, B("two\n"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(_path)!));
        Assert.Equal($"{Ts} stdout F one\n{Ts} stdout F two\n", File.ReadAllText(_path));
    }

    [Fact]
    public void Rotation_keeps_maxFiles_files_each_within_maxSize_and_the_newest_lines()
    {
        const int max = 200;
        using (var w = Writer(max, 3))
            for (int i = 0; i < 60; i++) w.Write(LogStream.Stdout, B($"line {i:D2}\n"));
        // Each record is 30 + 16 + 8 = 48 bytes: four a file.
        var files = Directory.GetFiles(Path.GetDirectoryName(_path)!).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["web.log", "web.log.1", "web.log.2"], files);
        foreach (var f in files) Assert.InRange(new FileInfo(_tmp.Join("logs", f!)).Length, 1, max);
        Assert.EndsWith("line 59\n", File.ReadAllText(_path));
        Assert.EndsWith("line 55\n", File.ReadAllText(_path + ".1"));
        Assert.StartsWith($"{Ts} stdout F line 48\n", File.ReadAllText(_path + ".2"));
        var read = new ContainerLogReader(_path).Read().Select(l => Encoding.UTF8.GetString(l.Content));
        Assert.Equal(Enumerable.Range(48, 12).Select(i => $"line {i:D2}"), read);
    }

    [Fact]
    public void With_one_file_rotation_truncates_in_place()
    {
        using (var w = Writer(100, 1))
            for (int i = 0; i < 10; i++) w.Write(LogStream.Stderr, B($"e{i}\n"));
        Assert.Equal(["web.log"], Directory.GetFiles(Path.GetDirectoryName(_path)!).Select(Path.GetFileName));
        Assert.Equal($"{Ts} stderr F e8\n{Ts} stderr F e9\n", File.ReadAllText(_path));
    }

    [Fact]
    public void A_failed_rotation_is_retried_at_the_next_record_without_losing_or_repeating_any()
    {
        using var w = Writer(100, 3); // two 42-byte records a file
        w.Write(LogStream.Stdout, B("a\nb\n"));
        // A directory where the rotated file goes: the rename fails with the records after it unwritten.
        Directory.CreateDirectory(_path + ".1");
        File.WriteAllText(Path.Join(_path + ".1", "blocker"), "");
        Assert.ThrowsAny<IOException>(() => w.Write(LogStream.Stdout, B("c\nd\n")));
        Directory.Delete(_path + ".1", recursive: true);
        w.Write(LogStream.Stdout, B("e\n"));
        Assert.Equal(2, LogPaths.RotatedFiles(_path).Count);
        Assert.Equal(["a", "b", "c", "d", "e"], new ContainerLogReader(_path).Read().Select(l => Encoding.UTF8.GetString(l.Content)));
    }

    [Fact]
    public void A_record_bigger_than_maxSize_goes_whole_into_its_own_file()
    {
        using (var w = Writer(50, 2))
        {
            w.Write(LogStream.Stdout, B("a\n"));
            w.Write(LogStream.Stdout, B(new string('x', 100) + "\n"));
        }
        Assert.Equal($"{Ts} stdout F a\n", File.ReadAllText(_path + ".1"));
        Assert.Equal($"{Ts} stdout F {new string('x', 100)}\n", File.ReadAllText(_path));
    }

    [Fact]
    public void Paths_live_under_XDG_STATE_HOME_and_Remove_deletes_every_rotation()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", _tmp.Join("state"));
            Assert.Equal(_tmp.Join("state", "rlrun", "logs", "web.log"), LogPaths.For("web"));
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", "relative/ignored");
            Assert.EndsWith("/.local/state/rlrun/logs", LogPaths.Dir());
        }
        finally { Environment.SetEnvironmentVariable("XDG_STATE_HOME", saved); }
        Assert.Throws<ArgumentException>(() => LogPaths.For("../etc"));

        string dir = _tmp.Join("logs");
        using (var w = Writer(60, 4))
            for (int i = 0; i < 10; i++) w.Write(LogStream.Stdout, B($"{i}\n"));
        File.WriteAllText(Path.Join(dir, "web2.log"), "another container\n");
        Assert.Equal([3, 2, 1], LogPaths.RotatedFiles(_path).Select(r => r.Index));
        LogPaths.Remove("web", dir);
        Assert.Equal(["web2.log"], Directory.GetFiles(dir).Select(Path.GetFileName));
        LogPaths.Remove("web", _tmp.Join("no-such-dir")); // a container that never logged
    }

    [Theory]
    [InlineData("2026-12-01T10:11:12.123456789Z", 1234567)]
    [InlineData("2026-12-01T10:11:12Z", 0)]
    [InlineData("2026-12-01T11:11:12.5+01:00", 5000000)]
    [InlineData("2026-12-01t05:41:12.1-04:30", 1000000)]
    public void Timestamps_parse_as_RFC3339_with_up_to_nine_digits(string text, long ticks)
    {
        Assert.True(LogTimestamp.TryParse(text, out var t));
        Assert.Equal(T0.AddTicks(ticks), t);
    }

    [Theory]
    [InlineData("2026-12-01 10:11:12Z")]
    [InlineData("2026-12-01T10:11:12")]
    [InlineData("2026-12-01T10:11:12.Z")]
    [InlineData("2026-13-01T10:11:12Z")]
    [InlineData("yesterday")]
    public void Bad_timestamps_do_not_parse(string text) => Assert.False(LogTimestamp.TryParse(text, out _));
}

public class ContainerLogReaderTests : IDisposable
{
    readonly TempDir _tmp = new();
    readonly string _path;
    static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    public ContainerLogReaderTests() => _path = _tmp.Join("web.log");
    public void Dispose() => _tmp.Dispose();

    static string R(int second, string stream, char tag, string text) =>
        $"{LogTimestamp.Format(T0.AddSeconds(second))} {stream} {tag} {text}\n";

    static List<string> Texts(IEnumerable<LogLine> lines) =>
        [.. lines.Select(l => $"{(l.Stream == LogStream.Stdout ? "out" : "err")}:{Encoding.UTF8.GetString(l.Content)}{(l.Complete ? "" : "…")}")];

    void Lay(string suffix, params string[] records) => File.WriteAllText(_path + suffix, string.Concat(records));

    [Fact]
    public void Reads_rotated_files_oldest_first_then_the_current_one()
    {
        Lay(".2", R(1, "stdout", 'F', "one"));
        Lay(".1", R(2, "stderr", 'F', "two"));
        Lay("", R(3, "stdout", 'F', "three"));
        var lines = new ContainerLogReader(_path).Read();
        Assert.Equal(["out:one", "err:two", "out:three"], Texts(lines));
        Assert.Equal(T0.AddSeconds(2), lines[1].Time);
    }

    [Fact]
    public void Malformed_lines_are_skipped()
    {
        Lay("", R(1, "stdout", 'F', "good"), "garbage\n", "\n", "2026-12-01T10:00:00Z stdin F no\n",
            "2026-12-01T10:00:00Z stdout X no\n", "not-a-time stdout F no\n", "2026-12-01T10:00:02Z stdout F\n",
            R(3, "stdout", 'F', "also good"), "2026-12-01T10:00:04Z stdout F torn without newline");
        Assert.Equal(["out:good", "out:", "out:also good"], Texts(new ContainerLogReader(_path).Read()));
    }

    [Fact]
    public void P_records_join_the_next_record_of_their_stream_even_across_files()
    {
        Lay(".1", R(1, "stdout", 'P', "hel"), R(2, "stderr", 'F', "between"), R(3, "stdout", 'P', "lo "));
        Lay("", R(4, "stdout", 'F', "world"), R(5, "stderr", 'P', "cut off"));
        var lines = new ContainerLogReader(_path).Read();
        Assert.Equal(["err:between", "out:hello world", "err:cut off…"], Texts(lines));
        Assert.Equal(T0.AddSeconds(1), lines[1].Time); // a joined line has its first record's time
    }

    [Fact]
    public void Since_keeps_lines_from_that_time_and_tail_the_last_of_them_across_files()
    {
        Lay(".2", R(1, "stdout", 'F', "a"), R(2, "stdout", 'F', "b"));
        Lay(".1", R(3, "stdout", 'F', "c"), R(4, "stderr", 'P', "d1"));
        Lay("", R(5, "stderr", 'F', "d2"), R(6, "stdout", 'F', "e"));
        var reader = new ContainerLogReader(_path);
        Assert.Equal(["out:b", "out:c", "err:d1d2", "out:e"], Texts(reader.Read(since: T0.AddSeconds(2))));
        Assert.Equal(["out:c", "err:d1d2", "out:e"], Texts(reader.Read(tail: 3)));
        Assert.Equal(["err:d1d2", "out:e"], Texts(reader.Read(since: T0.AddSeconds(3.5), tail: 5)));
        Assert.Equal(["out:e"], Texts(reader.Read(since: T0.AddSeconds(2), tail: 1)));
        Assert.Empty(reader.Read(tail: 0));
        Assert.Empty(reader.Read(since: T0.AddSeconds(7)));
    }

    static void Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline) Thread.Sleep(5);
    }

    // Dedicated threads (LongRunning): with few cores the thread pool would start a follower late.
    static Task Start(Action follow) => Task.Factory.StartNew(follow, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [Fact]
    public async Task Follow_reads_through_rotations_with_a_writer_on_another_thread_until_the_container_is_gone()
    {
        using (var w = new ContainerLogWriter(_path, 1000, 3))
            for (int i = 0; i < 30; i++) w.Write(LogStream.Stdout, Encoding.UTF8.GetBytes($"old {i}\n"));
        const int count = 300;
        // ~8 records a file, one record a millisecond: a rotation every few polls, and the nine
        // rotated files give a follower slowed by a busy machine ~70 ms before it loses one.
        var writer = new ContainerLogWriter(_path, 400, 10);
        bool running = true;
        var seen = new ConcurrentQueue<LogLine>();
        int caughtUp = 0;
        var follow = Start(() => new ContainerLogReader(_path) { PollInterval = TimeSpan.FromMilliseconds(10) }
            .Follow(null, 5, seen.Enqueue, () => Volatile.Read(ref running), () => Interlocked.Increment(ref caughtUp)));
        var produce = new Thread(() =>
        {
            for (int i = 0; i < count; i++)
            {
                writer.Write(i % 2 == 0 ? LogStream.Stdout : LogStream.Stderr, Encoding.UTF8.GetBytes($"new {i}\n"));
                Thread.Sleep(1);
            }
            writer.Write(LogStream.Stdout, "exit without newline"u8);
            writer.Dispose(); // flushed as a P record
            Volatile.Write(ref running, false);
        });
        Eventually(() => Volatile.Read(ref caughtUp) > 0); // the old lines are printed before the new ones come
        Assert.Equal(["out:old 25", "out:old 26", "out:old 27", "out:old 28", "out:old 29"], Texts(seen));
        produce.Start();
        await follow.WaitAsync(TimeSpan.FromSeconds(20)); // TimeoutException: follow did not end after the container stopped
        produce.Join();

        var expected = Enumerable.Range(25, 5).Select(i => $"out:old {i}")
            .Concat(Enumerable.Range(0, count).Select(i => $"{(i % 2 == 0 ? "out" : "err")}:new {i}"))
            .Append("out:exit without newline…");
        Assert.Equal(expected, Texts(seen));
        Assert.True(caughtUp >= 2);
        Assert.Equal(9, LogPaths.RotatedFiles(_path).Count); // the writer went through all its files
    }

    [Fact]
    public async Task Follow_reads_several_rotations_between_two_polls_in_order()
    {
        using var writer = new ContainerLogWriter(_path, 200, 5); // 4 records a file
        writer.Write(LogStream.Stdout, "first\n"u8);
        bool running = true;
        var seen = new ConcurrentQueue<LogLine>();
        using var started = new ManualResetEventSlim();
        var follow = Start(() => new ContainerLogReader(_path) { PollInterval = TimeSpan.FromMilliseconds(300) }
            .Follow(null, null, seen.Enqueue, () => Volatile.Read(ref running), started.Set));
        Assert.True(started.Wait(TimeSpan.FromSeconds(5)));
        // Three rotations within microseconds, while the follower sleeps between polls.
        for (int i = 0; i < 14; i++) writer.Write(LogStream.Stdout, Encoding.UTF8.GetBytes($"{i}\n"));
        Assert.Equal(3, LogPaths.RotatedFiles(_path).Count);
        Volatile.Write(ref running, false);
        await follow.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["out:first", .. Enumerable.Range(0, 14).Select(i => $"out:{i}")], Texts(seen));
    }

    [Fact]
    public async Task Follow_starts_over_when_the_file_is_truncated_in_place()
    {
        using var writer = new ContainerLogWriter(_path, 200, 1);
        for (int i = 0; i < 4; i++) writer.Write(LogStream.Stderr, Encoding.UTF8.GetBytes($"{i}\n")); // 42 bytes each
        bool running = true;
        var seen = new ConcurrentQueue<LogLine>();
        using var started = new ManualResetEventSlim();
        var follow = Start(() => new ContainerLogReader(_path) { PollInterval = TimeSpan.FromMilliseconds(300) }
            .Follow(null, null, seen.Enqueue, () => Volatile.Read(ref running), started.Set));
        Assert.True(started.Wait(TimeSpan.FromSeconds(5)));
        // The fifth record does not fit: the file starts again with it, then one more.
        writer.Write(LogStream.Stderr, "4\n5\n"u8);
        Assert.Equal(2, File.ReadAllLines(_path).Length);
        Volatile.Write(ref running, false);
        await follow.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["err:0", "err:1", "err:2", "err:3", "err:4", "err:5"], Texts(seen));
    }

    [Fact]
    public async Task Follow_waits_for_a_log_that_is_not_there_yet_applies_since_and_prints_P_records_at_once()
    {
        bool running = true;
        var seen = new ConcurrentQueue<LogLine>();
        var follow = Start(() => new ContainerLogReader(_path) { PollInterval = TimeSpan.FromMilliseconds(10) }
            .Follow(T0.AddSeconds(2), null, seen.Enqueue, () => Volatile.Read(ref running)));
        Thread.Sleep(100);
        Assert.False(follow.IsCompleted);
        var now = T0;
        using (var w = new ContainerLogWriter(_path, 1 << 20, 2, () => now))
        {
            w.Write(LogStream.Stdout, "too early\n"u8);
            now = T0.AddSeconds(3);
            w.Write(LogStream.Stderr, "in time\n"u8);
        }
        Eventually(() => seen.Count == 1);
        Assert.Equal(["err:in time"], Texts(seen));
        // A P record is printed at once, as a piece: a prompt shows before its newline comes.
        using (var w = new ContainerLogWriter(_path, 1 << 20, 2, () => now))
        {
            w.Write(LogStream.Stdout, "password: "u8);
            w.Flush();
            Eventually(() => seen.Count == 2);
            Assert.Equal(["err:in time", "out:password: …"], Texts(seen));
            w.Write(LogStream.Stdout, "ok\n"u8);
        }
        Eventually(() => seen.Count == 3);
        Assert.Equal(["err:in time", "out:password: …", "out:ok"], Texts(seen));
        Volatile.Write(ref running, false);
        await follow.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
