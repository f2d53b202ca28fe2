using System.Text.Json;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>What a create killed before it wrote state.json leaves (issue 18, crash points): its
/// directory, and maybe a cgroup. Its init exits by itself (it waits for the Committed word before
/// the exec fifo), so a cgroup is the one thing that would stay: the create notes it in
/// ROOT/ID/creating.json as soon as it is made, and whoever next holds the ID's claim (a create of
/// the same ID) or finds the directory unclaimed (delete) removes both.</summary>
public static class DeadCreate
{
    public const string NoteFile = "creating.json";

    public static void NoteCgroup(StateStore store, string id, ContainerCgroup? cgroup)
    {
        if (cgroup is null) return;
        var note = new ContainerState { Id = id, Status = ContainerStatus.Creating, Cgroup = cgroup };
        string path = Path.Join(store.DirOf(id), NoteFile), tmp = path + ".tmp";
        File.WriteAllBytes(tmp, StateJson.Serialize(note));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>With the claim held or unclaimed: a directory without state.json is a dead create's.</summary>
    public static void Clean(StateStore store, string id)
    {
        string dir = store.DirOf(id);
        if (!Directory.Exists(dir) || store.Exists(id)) return;
        try
        {
            var note = StateJson.Deserialize(File.ReadAllBytes(Path.Join(dir, NoteFile)));
            if (note?.Cgroup is { } cgroup) CgroupManagers.For(cgroup).Destroy(cgroup);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException) { }
        store.RemoveDir(id);
    }
}
