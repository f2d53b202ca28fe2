namespace Rlrun.Runtime.Cgroups;

/// <summary>A manager that also records new resources elsewhere (systemd: the unit's properties).</summary>
public interface ICgroupUpdater
{
    void Update(ContainerCgroup cgroup, Spec.SpecResources resources);
}
