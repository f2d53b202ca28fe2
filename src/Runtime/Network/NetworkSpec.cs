using Rlrun.Runtime.Spec;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Network;

/// <summary>Turns a <see cref="NetworkRequest"/> into the namespaces and mounts of the container's
/// spec, before anything starts: a new network namespace for none, pasta and slirp4netns; none for
/// host; a joined one for container:ID and ns:PATH.</summary>
public static class NetworkSpec
{
    public const string ResolvConfFile = "resolv.conf", HostsFile = "hosts";

    public static void ApplyNamespaces(OciSpec spec, NetworkRequest request, StateStore store)
    {
        var linux = spec.Linux ??= new SpecLinux();
        var nss = linux.Namespaces ??= [];
        nss.RemoveAll(n => n.Type == "network");
        switch (request.Mode.Kind)
        {
            case NetworkMode.Host:
                break;
            case NetworkMode.Namespace:
                if (!File.Exists(request.Mode.Target)) throw new ArgumentException($"--network ns:{request.Mode.Target}: no such file");
                nss.Add(new SpecNamespace { Type = "network", Path = request.Mode.Target });
                if (nss.FirstOrDefault(n => n.Type == "user") is { Path: null } own
                    && NamespaceOwner.UserNamespaceToJoin(request.Mode.Target!) is { } owner)
                    JoinUserNamespace(spec, own, owner);
                break;
            case NetworkMode.Container:
                JoinContainer(spec, nss, request.Mode.Target!, store);
                break;
            default:
                nss.Add(new SpecNamespace { Type = "network" });
                break;
        }
    }

    /// <summary>/etc/resolv.conf and /etc/hosts for a network of rlrun's making (or when --dns or
    /// --add-host ask): files of the state dir bound over the rootfs's, as podman does, so the
    /// bundle stays untouched.</summary>
    public static void AddFiles(OciSpec spec, NetworkRequest request, string stateDir, string hostname)
    {
        if (request.Mode.Kind is NetworkMode.Host or NetworkMode.Container or NetworkMode.Namespace
            && request.Dns.Count == 0 && request.AddHosts.Count == 0) return;
        string resolv = Path.Join(stateDir, ResolvConfFile), hosts = Path.Join(stateDir, HostsFile);
        File.WriteAllText(resolv, ResolvConf.Text(request, ResolvConf.HostNameservers()));
        File.WriteAllText(hosts, HostsText(request, hostname));
        spec.Mounts ??= [];
        // Mounted last, these hide any earlier mount at the same place (an image container's own
        // /etc/hosts and /etc/resolv.conf): the init is spared those mounts, which nothing would see.
        DropHidden(spec.Mounts, "/etc/resolv.conf");
        DropHidden(spec.Mounts, "/etc/hosts");
        spec.Mounts.Add(new SpecMount { Destination = "/etc/resolv.conf", Type = "bind", Source = resolv, Options = ["bind", "rprivate"] });
        spec.Mounts.Add(new SpecMount { Destination = "/etc/hosts", Type = "bind", Source = hosts, Options = ["bind", "rprivate"] });
    }

    /// <summary>Removes the mounts at destination, unless another mount goes beneath it (then it matters).</summary>
    static void DropHidden(List<SpecMount> mounts, string destination)
    {
        foreach (var m in mounts)
            if (m.Destination.StartsWith(destination + "/", StringComparison.Ordinal)) return;
        mounts.RemoveAll(m => m.Destination == destination);
    }

    /// <summary>container:ID shares that container's network namespace; it belongs to that
    /// container's user namespace, so a rootless caller can only enter it from there: join both,
    /// as a podman pod does.</summary>
    static void JoinContainer(OciSpec spec, List<SpecNamespace> nss, string id, StateStore store)
    {
        ContainerState other;
        try { other = store.Load(id); }
        catch (ContainerNotFoundException) { throw new ArgumentException($"--network container:{id}: container {id} does not exist"); }
        if (!ContainerStatus.InitAlive(other)) throw new ArgumentException($"--network container:{id}: container {id} is not running");
        nss.Add(new SpecNamespace { Type = "network", Path = $"/proc/{other.Pid}/ns/net" });
        if (nss.FirstOrDefault(n => n.Type == "user") is { Path: null } user)
            JoinUserNamespace(spec, user, $"/proc/{other.Pid}/ns/user");
    }

    static void JoinUserNamespace(OciSpec spec, SpecNamespace user, string path)
    {
        user.Path = path;
        spec.Linux!.UidMappings = null;
        spec.Linux.GidMappings = null;
    }

    public static string HostsText(NetworkRequest request, string hostname)
    {
        var lines = new List<string> { "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback" };
        if (hostname.Length > 0) lines.Add($"127.0.1.1\t{hostname}");
        foreach (var a in request.AddHosts)
        {
            int colon = a.IndexOf(':');
            lines.Add($"{a[(colon + 1)..]}\t{a[..colon]}");
        }
        return string.Join('\n', lines) + "\n";
    }
}
