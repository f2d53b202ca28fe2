using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.IdMapping;

/// <summary>The facts about the caller that decide the ID mapping.
/// Enclosing: the user namespace rlrun runs in, when InForeignUserNamespace (rlrun inside a container).</summary>
public sealed record Caller(uint Euid, uint Egid, string? UserName, bool InForeignUserNamespace,
    IReadOnlyList<SubordinateRange> SubUids, IReadOnlyList<SubordinateRange> SubGids, bool HelpersPresent,
    EnclosingUserNamespace? Enclosing = null);

/// <summary>Decides the user namespace and its maps (DESIGN.md, "Rootless decisions").</summary>
public static class IdMapPlanner
{
    public static UserNamespacePlan Plan(OciSpec spec, Caller caller)
    {
        var userNs = spec.Linux?.Namespaces?.FirstOrDefault(n => n.Type == "user");
        if (userNs is { Path.Length: > 0 })
            return UserNamespacePlan.None with { Note = $"joining the user namespace {userNs.Path}" };

        var uids = spec.Linux?.UidMappings?.Select(m => new IdMap(m.ContainerID, m.HostID, m.Size)).ToList() ?? [];
        var gids = spec.Linux?.GidMappings?.Select(m => new IdMap(m.ContainerID, m.HostID, m.Size)).ToList() ?? [];

        if (userNs is null)
        {
            // Root needs no user namespace; neither does euid 0 inside one someone else made (podman).
            if (caller.Euid == 0)
                return UserNamespacePlan.None with { Note = caller.InForeignUserNamespace ? "euid 0 in a user namespace made by the caller: adding none" : "running as root: no user namespace" };
            return Default(caller, "config.json has no user namespace; rlrun adds one");
        }
        if (uids.Count == 0 && gids.Count == 0)
        {
            if (caller.Euid == 0 && !caller.InForeignUserNamespace)
                return Direct([new IdMap(0, 0, uint.MaxValue)], [new IdMap(0, 0, uint.MaxValue)], "root: identity maps");
            return Default(caller, "config.json asks for a user namespace without mappings");
        }
        if (uids.Count == 0 || gids.Count == 0)
            throw new SpecError("config.json: field linux.uidMappings/gidMappings: give both or neither");

        if (caller.Euid == 0 && caller.InForeignUserNamespace && caller.Enclosing is { } enclosing)
            NestedMaps.EnsureWritable(uids, gids, enclosing);
        // A real root writes any maps itself; so does a user whose maps name only their own IDs.
        if (caller.Euid == 0 || (IsOnly(uids, caller.Euid) && IsOnly(gids, caller.Egid)))
            return Direct(uids, gids, "config.json's mappings, written directly");
        if (!caller.HelpersPresent)
            throw new SpecError("config.json: field linux.uidMappings: mapping more than your own ID needs newuidmap and newgidmap (Debian package uidmap)");
        return new UserNamespacePlan(true, uids, gids, UseHelpers: true, SetgroupsAllowed: true, "config.json's mappings, through newuidmap/newgidmap");
    }

    static bool IsOnly(List<IdMap> maps, uint id) => maps.Count == 1 && maps[0].HostId == id && maps[0].Size == 1;

    internal static UserNamespacePlan Direct(IReadOnlyList<IdMap> uids, IReadOnlyList<IdMap> gids, string note) =>
        // Without a helper an unprivileged writer must deny setgroups before writing gid_map.
        new(true, uids, gids, UseHelpers: false, SetgroupsAllowed: gids.Count != 1 || gids[0].Size != 1, note);

    /// <summary>container 0 is the caller; 1..N the first subordinate range; just the caller without one.</summary>
    public static UserNamespacePlan Default(Caller caller, string why)
    {
        if (caller.Euid == 0 && !caller.InForeignUserNamespace)
            return Direct([new IdMap(0, 0, uint.MaxValue)], [new IdMap(0, 0, uint.MaxValue)], $"{why}: identity maps as root");
        if (caller.Euid == 0 && caller.InForeignUserNamespace && caller.Enclosing is { } enclosing)
        {
            var (uids, gids, note) = NestedMaps.Default(enclosing);
            return Direct(uids, gids, $"{why}: {note}");
        }
        var own = (new IdMap(0, caller.Euid, 1), new IdMap(0, caller.Egid, 1));
        if (caller.SubUids.Count > 0 && caller.SubGids.Count > 0 && caller.HelpersPresent)
        {
            var su = caller.SubUids[0];
            var sg = caller.SubGids[0];
            return new UserNamespacePlan(true, [own.Item1, new IdMap(1, su.Start, su.Count)],
                [own.Item2, new IdMap(1, sg.Start, sg.Count)], UseHelpers: true, SetgroupsAllowed: true,
                $"{why}: 0 -> {caller.Euid}, 1..{su.Count} -> {su.Start}.. (from /etc/subuid, /etc/subgid)");
        }
        string lack = !caller.HelpersPresent ? "newuidmap/newgidmap missing (package uidmap)"
            : $"no range for {caller.UserName ?? caller.Euid.ToString()} in /etc/subuid and /etc/subgid";
        return Direct([own.Item1], [own.Item2], $"{why}: only 0 -> {caller.Euid} ({lack}: other IDs cannot be used, chown to them fails)");
    }
}
