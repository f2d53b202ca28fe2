using System.Text.Json;
using Rlrun.Runtime.Cgroups;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

/// <summary>CgroupStats on a fake cgroup dir holding the v2 stat files.</summary>
public class CgroupStatsTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    void Put(string file, string content) => File.WriteAllText(_dir.Join(file), content);

    JsonElement Stats()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) CgroupStats.Write(w, _dir.Path);
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    static ulong U(JsonElement e, params string[] path)
    {
        foreach (var p in path) e = e.GetProperty(p);
        return e.GetUInt64();
    }

    void FullCgroup()
    {
        Put("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 300\n");
        Put("memory.stat", "anon 4096\nfile 8192\nkernel 100\n");
        Put("memory.current", "12288\n");
        Put("memory.max", "max\n");
        Put("memory.peak", "20000\n");
        Put("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        Put("memory.swap.current", "512\n");
        Put("memory.swap.max", "1048576\n");
        Put("memory.swap.events", "high 0\nmax 2\nfail 0\n");
        Put("pids.current", "5\n");
        Put("pids.max", "max\n");
        Put("io.stat", "8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=5 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
    }

    [Fact]
    public void KeyValues_reads_key_value_lines()
    {
        Put("cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
        Assert.Equal(new Dictionary<string, ulong> { ["usage_usec"] = 1500, ["user_usec"] = 1000 }, CgroupStats.KeyValues(_dir.Path, "cpu.stat"));
    }

    [Fact]
    public void KeyValues_skips_lines_that_are_not_a_key_and_a_number()
    {
        Put("memory.stat", "anon 1\n\njunk\nneg -5\ntwo 1 2\nfile 7\nbig 18446744073709551615\n");
        Assert.Equal(new Dictionary<string, ulong> { ["anon"] = 1, ["file"] = 7, ["big"] = ulong.MaxValue }, CgroupStats.KeyValues(_dir.Path, "memory.stat"));
    }

    [Fact]
    public void KeyValues_of_a_missing_file_is_empty()
    {
        Assert.Empty(CgroupStats.KeyValues(_dir.Path, "cpu.stat"));
        Assert.Empty(CgroupStats.KeyValues(_dir.Join("gone"), "cpu.stat"));
    }

    [Fact]
    public void Cpu_times_are_in_nanoseconds()
    {
        FullCgroup();
        var s = Stats();
        Assert.Equal(1500000UL, U(s, "cpu", "usage", "total"));
        Assert.Equal(500000UL, U(s, "cpu", "usage", "kernel"));
        Assert.Equal(1000000UL, U(s, "cpu", "usage", "user"));
        Assert.Equal(10UL, U(s, "cpu", "throttling", "periods"));
        Assert.Equal(2UL, U(s, "cpu", "throttling", "throttled_periods"));
        Assert.Equal(300000UL, U(s, "cpu", "throttling", "throttled_time"));
    }

    [Fact]
    public void Memory_usage_limit_peak_and_failures()
    {
        FullCgroup();
        var s = Stats();
        Assert.Equal(8192UL, U(s, "memory", "cache"));
        Assert.Equal(12288UL, U(s, "memory", "usage", "usage"));
        Assert.Equal(20000UL, U(s, "memory", "usage", "max"));
        Assert.Equal(ulong.MaxValue, U(s, "memory", "usage", "limit")); // "max", as runc reports it
        Assert.Equal(3UL, U(s, "memory", "usage", "failcnt"));
        Assert.Equal(512UL, U(s, "memory", "swap", "usage"));
        Assert.Equal(0UL, U(s, "memory", "swap", "max")); // no memory.swap.peak
        Assert.Equal(1048576UL, U(s, "memory", "swap", "limit"));
        Assert.Equal(2UL, U(s, "memory", "swap", "failcnt"));
    }

    [Fact]
    public void Raw_memory_stats_are_passed_through()
    {
        FullCgroup();
        var raw = Stats().GetProperty("memory").GetProperty("raw");
        Assert.Equal(["anon", "file", "kernel"], raw.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4096UL, U(raw, "anon"));
        Assert.Equal(100UL, U(raw, "kernel"));
    }

    [Fact]
    public void Pids_with_no_limit_report_limit_0()
    {
        FullCgroup();
        var s = Stats();
        Assert.Equal(5UL, U(s, "pids", "current"));
        Assert.Equal(0UL, U(s, "pids", "limit"));
    }

    [Fact]
    public void Pids_with_a_limit_report_it()
    {
        Put("pids.current", "3\n");
        Put("pids.max", "64\n");
        Assert.Equal(64UL, U(Stats(), "pids", "limit"));
    }

    [Fact]
    public void Io_bytes_are_listed_per_device_and_direction()
    {
        FullCgroup();
        var ios = Stats().GetProperty("blkio").GetProperty("io_service_bytes_recursive").EnumerateArray()
            .Select(e => (U(e, "major"), U(e, "minor"), e.GetProperty("op").GetString(), U(e, "value"))).ToList();
        Assert.Equal([(8UL, 0UL, "Read", 1024UL), (8UL, 0UL, "Write", 2048UL), (253UL, 1UL, "Read", 5UL), (253UL, 1UL, "Write", 0UL)], ios);
    }

    [Fact]
    public void Malformed_io_lines_are_skipped()
    {
        Put("io.stat", "garbage\n8:x rbytes=1\n8:0 rbytes=oops wbytes=3 nothing\n");
        var ios = Stats().GetProperty("blkio").GetProperty("io_service_bytes_recursive").EnumerateArray().ToList();
        var only = Assert.Single(ios);
        Assert.Equal("Write", only.GetProperty("op").GetString());
        Assert.Equal(3UL, U(only, "value"));
    }

    [Fact]
    public void An_empty_cgroup_dir_gives_zeros_in_runcs_layout()
    {
        var s = Stats();
        Assert.Equal(["cpu", "memory", "pids", "blkio"], s.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0UL, U(s, "cpu", "usage", "total"));
        Assert.Equal(0UL, U(s, "memory", "usage", "limit"));
        Assert.Equal(0UL, U(s, "pids", "current"));
        Assert.Empty(s.GetProperty("memory").GetProperty("raw").EnumerateObject());
        Assert.Empty(s.GetProperty("blkio").GetProperty("io_service_bytes_recursive").EnumerateArray());
    }

    [Fact]
    public void OomKills_is_memory_events_oom_kill()
    {
        Assert.Equal(0UL, CgroupStats.OomKills(_dir.Path));
        Put("memory.events", "low 0\nhigh 0\nmax 9\noom 4\noom_kill 2\noom_group_kill 0\n");
        Assert.Equal(2UL, CgroupStats.OomKills(_dir.Path));
    }
}
