using System.Diagnostics;
using Rlrun.Runtime.State;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.State;

public class StateStoreConcurrencyTests : IDisposable
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    readonly TempDir _tmp = new();
    readonly StateStore _store;

    public StateStoreConcurrencyTests()
    {
        _store = new StateStore(_tmp.Join("state"));
        _store.CreateDir("web");
    }

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task A_reader_never_sees_a_partial_state_file()
    {
        // Big annotations make a torn write likely to be seen if Save were not atomic.
        static ContainerState Version(int n) => new()
        {
            Id = "web", Pid = n, Status = ContainerStatus.Running,
            Annotations = Enumerable.Range(0, 200).ToDictionary(i => $"key{i}", i => new string((char)('a' + n % 26), 64) + n),
        };
        _store.Save(Version(0));
        const int saves = 300;
        int loads = 0;
        var errors = new List<string>();

        var writer = Task.Run(() => { for (int n = 1; n <= saves; n++) _store.Save(Version(n)); });
        var reader = Task.Run(() =>
        {
            while (!writer.IsCompleted || loads == 0)
            {
                try
                {
                    var s = _store.Load("web");
                    string expected = new string((char)('a' + s.Pid % 26), 64) + s.Pid;
                    if (s.Annotations is not { Count: 200 } a || a.Values.Any(v => v != expected))
                        errors.Add($"load {loads}: inconsistent state for version {s.Pid}");
                }
                catch (Exception e) { errors.Add($"load {loads}: {e.GetType().Name}: {e.Message}"); }
                loads++;
            }
        });

        await Task.WhenAll(writer, reader).WaitAsync(Bound);
        Assert.Empty(errors);
        Assert.True(loads > 0);
        Assert.Equal(saves, _store.Load("web").Pid);
        Assert.Single(Directory.GetFiles(_store.DirOf("web")), f => !Path.GetFileName(f).StartsWith(StateStore.LockFile));
    }

    [Fact]
    public void A_second_lock_waits_until_the_first_is_released()
    {
        var clock = Stopwatch.StartNew();
        var first = _store.Lock("web");
        TimeSpan released = TimeSpan.Zero, acquired = TimeSpan.Zero;
        using var started = new ManualResetEventSlim();

        var second = new Thread(() =>
        {
            started.Set();
            using (_store.Lock("web")) acquired = clock.Elapsed;
        });
        second.Start();
        Assert.True(started.Wait(Bound));

        // While the first is held the second must not get through.
        Assert.False(second.Join(TimeSpan.FromMilliseconds(300)), "the second lock was granted while the first was held");

        released = clock.Elapsed;
        first.Dispose();
        Assert.True(second.Join(Bound), "the second lock was never granted");
        Assert.True(acquired >= released, $"acquired at {acquired}, released at {released}");
    }

    [Fact]
    public async Task A_released_lock_can_be_taken_again()
    {
        _store.Lock("web").Dispose();
        using var again = await Task.Run(() => _store.Lock("web")).WaitAsync(Bound);
    }

    [Fact]
    public void Lock_of_an_unknown_container_is_not_found()
    {
        Assert.Throws<ContainerNotFoundException>(() => _store.Lock("ghost"));
    }
}
