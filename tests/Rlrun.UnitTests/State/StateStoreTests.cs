using System.Text.Json;
using Rlrun.Runtime.State;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.State;

public class StateStoreTests : IDisposable
{
    readonly TempDir _tmp = new();
    readonly StateStore _store;

    public StateStoreTests() => _store = new StateStore(_tmp.Join("state"));

    public void Dispose() => _tmp.Dispose();

    internal static ContainerState Sample(string id) => new()
    {
        OciVersion = "1.2.0",
        Id = id,
        Status = ContainerStatus.Created,
        Pid = 4242,
        Bundle = "/home/alice/bundles/web",
        Annotations = new() { ["org.example.key"] = "value", ["empty"] = "" },
        Rootfs = "/home/alice/bundles/web/rootfs",
        Created = new DateTime(2025, 3, 4, 5, 6, 7, 123, DateTimeKind.Utc).AddTicks(4567),
        Owner = "alice",
        InitStartTime = 987654321,
    };

    [Fact]
    public void CreateDir_claims_an_id_once()
    {
        _store.CreateDir("web");
        var e = Assert.Throws<ContainerExistsException>(() => _store.CreateDir("web"));
        Assert.Contains("web", e.Message);
    }

    [Fact]
    public void The_root_and_container_dirs_are_private_to_the_user()
    {
        _store.CreateDir("web");
        const UnixFileMode rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(rwx, File.GetUnixFileMode(_store.DirOf("web")));
        Assert.Equal(rwx, File.GetUnixFileMode(_store.Root));
    }

    [Fact]
    public void Save_then_Load_round_trips_every_field()
    {
        _store.CreateDir("web");
        var saved = Sample("web");
        _store.Save(saved);

        var loaded = _store.Load("web");

        Assert.Equal(saved.OciVersion, loaded.OciVersion);
        Assert.Equal(saved.Id, loaded.Id);
        Assert.Equal(saved.Status, loaded.Status);
        Assert.Equal(saved.Pid, loaded.Pid);
        Assert.Equal(saved.Bundle, loaded.Bundle);
        Assert.Equal(saved.Annotations, loaded.Annotations);
        Assert.Equal(saved.Rootfs, loaded.Rootfs);
        Assert.Equal(saved.Created, loaded.Created);
        Assert.Equal(DateTimeKind.Utc, loaded.Created.Kind);
        Assert.Equal(saved.Owner, loaded.Owner);
        Assert.Equal(saved.InitStartTime, loaded.InitStartTime);
    }

    [Fact]
    public void Save_leaves_only_a_complete_state_file_with_the_oci_field_names()
    {
        _store.CreateDir("web");
        _store.Save(Sample("web"));

        Assert.Equal([StateStore.StateFile], Directory.GetFiles(_store.DirOf("web")).Select(Path.GetFileName));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Join(_store.DirOf("web"), StateStore.StateFile)));
        var root = doc.RootElement;
        Assert.Equal("web", root.GetProperty("id").GetString());
        Assert.Equal(4242, root.GetProperty("pid").GetInt32());
        Assert.Equal("created", root.GetProperty("status").GetString());
        Assert.Equal("/home/alice/bundles/web", root.GetProperty("bundle").GetString());
        Assert.Equal("1.2.0", root.GetProperty("ociVersion").GetString());
    }

    [Fact]
    public void A_second_Save_replaces_the_first()
    {
        _store.CreateDir("web");
        _store.Save(Sample("web"));
        var next = Sample("web");
        next.Status = ContainerStatus.Running;
        next.Annotations = null;
        _store.Save(next);

        var loaded = _store.Load("web");
        Assert.Equal(ContainerStatus.Running, loaded.Status);
        Assert.Null(loaded.Annotations);
        Assert.Single(Directory.GetFiles(_store.DirOf("web")));
    }

    [Fact]
    public void Load_of_an_unknown_container_is_not_found()
    {
        var e = Assert.Throws<ContainerNotFoundException>(() => _store.Load("ghost"));
        Assert.Contains("ghost", e.Message);
    }

    [Fact]
    public void Load_of_a_claimed_but_unsaved_container_is_not_found()
    {
        _store.CreateDir("web");
        Assert.Throws<ContainerNotFoundException>(() => _store.Load("web"));
        Assert.False(_store.Exists("web"));
    }

    [Fact]
    public void A_corrupt_state_file_is_an_error_naming_the_file()
    {
        _store.CreateDir("web");
        string path = Path.Join(_store.DirOf("web"), StateStore.StateFile);
        File.WriteAllText(path, "{\"id\": \"web\", \"pid\": ");
        var e = Assert.Throws<IOException>(() => _store.Load("web"));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Ids_lists_only_dirs_with_a_state_file_sorted()
    {
        foreach (var id in new[] { "gamma", "alpha", "beta" })
        {
            _store.CreateDir(id);
            _store.Save(Sample(id));
        }
        _store.CreateDir("claimed-only");
        File.WriteAllText(_tmp.Join("state", "stray-file"), "");

        Assert.Equal(["alpha", "beta", "gamma"], _store.Ids());
        Assert.True(_store.Exists("beta"));
        Assert.False(_store.Exists("claimed-only"));
    }

    [Fact]
    public void Ids_of_a_missing_root_is_empty()
    {
        Assert.Empty(new StateStore(_tmp.Join("never-made")).Ids());
    }

    [Fact]
    public void RemoveDir_removes_the_container_and_its_files()
    {
        _store.CreateDir("web");
        _store.Save(Sample("web"));
        _store.RemoveDir("web");
        Assert.False(Directory.Exists(_store.DirOf("web")));
        Assert.Empty(_store.Ids());
        _store.CreateDir("web"); // the id is free again
    }
}

/// <summary>Where state goes when rlrun is started without XDG_RUNTIME_DIR (su, sudo -u, cron).</summary>
public class DefaultStateRootTests
{
    [Fact]
    public void Xdg_runtime_dir_wins() =>
        Assert.Equal("/run/user/1000/rlrun", Rlrun.Runtime.State.StateStore.DefaultRoot("/run/user/1000", 1000, _ => false, "/tmp"));

    [Fact]
    public void Without_it_run_user_uid_when_it_exists_else_tmp()
    {
        Assert.Equal("/run/user/1000/rlrun", Rlrun.Runtime.State.StateStore.DefaultRoot(null, 1000, d => d == "/run/user/1000", "/tmp"));
        Assert.Equal("/tmp/rlrun-1000", Rlrun.Runtime.State.StateStore.DefaultRoot("", 1000, _ => false, "/tmp"));
        Assert.Equal("/run/rlrun", Rlrun.Runtime.State.StateStore.DefaultRoot(null, 0, _ => true, "/tmp"));
    }
}

public class StateRootOwnerTests
{
    [Fact]
    public void A_state_root_that_is_a_symlink_is_refused_and_nothing_is_made()
    {
        using var dir = new TempDir();
        string real = dir.Join("real"), link = dir.Join("root");
        Directory.CreateDirectory(real);
        File.CreateSymbolicLink(link, real);
        var e = Assert.Throws<IOException>(() => new StateStore(link).CreateDir("c1"));
        Assert.Contains($"state root {link} is a symbolic link", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(real));
    }
}
