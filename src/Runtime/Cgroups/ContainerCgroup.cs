namespace Rlrun.Runtime.Cgroups;

/// <summary>Where a container's cgroup is, as state.json records it: the manager that made it, the
/// directory in the cgroup2 mount, and for systemd the scope unit.</summary>
public sealed record ContainerCgroup(string Manager, string Path, string? Unit = null);

public class CgroupException(string message) : Exception(message);

/// <summary>Makes and removes container cgroups: cgroupfs, systemd, or none (src/Systemd has the
/// systemd one). Each puts a process in before it runs user code: stage 1, before it unshares the
/// cgroup namespace, so the container's view is rooted at its own cgroup.</summary>
public interface ICgroupManager
{
    string Name { get; }

    /// <summary>Creates the container's cgroup with its resources and moves pid in; null when disabled.</summary>
    ContainerCgroup? Create(string id, int pid, Spec.SpecResources? resources, string? cgroupsPath, Spec.OciSpec spec);

    /// <summary>Kills what is left in it and removes it; quiet when it is already gone.</summary>
    void Destroy(ContainerCgroup cgroup);
}

public static class ContainerCgroups
{
    /// <summary>The cgroup a command needs (pause, resume, update, events), or the one error for a
    /// container without one: made with the cgroup manager disabled, or none could be had.</summary>
    public static ContainerCgroup Required(State.ContainerState state, string command)
    {
        if (state.Cgroup is { } cg && CgroupControl.Exists(cg.Path)) return cg;
        throw new InvalidOperationException($"cannot {command} container {state.Id}: it has no cgroup (it was created with the cgroup manager disabled, or none could be made)");
    }
}
