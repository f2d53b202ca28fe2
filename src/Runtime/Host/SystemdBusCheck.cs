namespace Rlrun.Runtime.Host;

/// <summary>One socket tried: what it is ("session bus (DBUS_SESSION_BUS_ADDRESS)"), where,
/// and why it did not accept a connection (null: it did).</summary>
public sealed record BusProbe(string What, UnixSocketAddress? Address, string? Error);

/// <summary>The sockets a systemd manager is reached by, in the order rlrun tries them, and what
/// connecting to each did.</summary>
public sealed record SystemdBusFacts(CheckUser User, string? RuntimeDir, IReadOnlyList<BusProbe> Probes, bool SystemdIsPid1 = true)
{
    public const string SystemBusSocket = "/run/dbus/system_bus_socket";
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    public static SystemdBusFacts Gather(CheckUser user)
    {
        string? runtimeDir = Env("XDG_RUNTIME_DIR");
        var probes = Candidates(user.IsRoot, Env("DBUS_SESSION_BUS_ADDRESS"), Env("DBUS_SYSTEM_BUS_ADDRESS"), runtimeDir)
            .Select(p => p.Address is null ? p : p with { Error = UnixSocketCalls.TryConnect(p.Address, ConnectTimeout) })
            .ToList();
        return new SystemdBusFacts(user, runtimeDir, probes, Cgroups.ScopeReachFacts.Pid1IsSystemd());
    }

    static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    /// <summary>What SystemdBus.Open tries: for root the system bus; for a user the session bus
    /// (DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus) and then the manager's private
    /// socket $XDG_RUNTIME_DIR/systemd/private. Error set: the address names no unix socket.</summary>
    public static List<BusProbe> Candidates(bool isRoot, string? sessionAddress, string? systemAddress, string? runtimeDir)
    {
        var list = new List<BusProbe>();
        if (isRoot)
        {
            if (systemAddress is not null) AddFromAddress(list, "system bus (DBUS_SYSTEM_BUS_ADDRESS)", systemAddress);
            else list.Add(new BusProbe("system bus", new UnixSocketAddress(SystemBusSocket, false), null));
            return list;
        }
        if (sessionAddress is not null) AddFromAddress(list, "session bus (DBUS_SESSION_BUS_ADDRESS)", sessionAddress);
        else if (runtimeDir is not null) list.Add(new BusProbe("session bus", new UnixSocketAddress(Path.Join(runtimeDir, "bus"), false), null));
        if (runtimeDir is not null)
            list.Add(new BusProbe("systemd --user private socket", new UnixSocketAddress(Path.Join(runtimeDir, "systemd", "private"), false), null));
        return list;
    }

    static void AddFromAddress(List<BusProbe> list, string what, string address)
    {
        var sockets = DbusAddress.UnixSockets(address);
        if (sockets.Count == 0) list.Add(new BusProbe(what, null, $"\"{address}\" names no unix:path= or unix:abstract= socket"));
        // sd-bus connects to the first; the rest are alternatives a client may also try.
        else list.AddRange(sockets.Select(s => new BusProbe(what, s, null)));
    }
}

/// <summary>Whether a systemd manager can be asked for transient scopes with Delegate=yes (the
/// systemd cgroup manager, the default when one answers). Without it rlrun uses the cgroup
/// filesystem where its cgroup is delegated, or no cgroup: a warning, not a failure. This check
/// connects only; it does not call the manager.</summary>
public static class SystemdBusCheck
{
    public const string Name = "systemd";
    const string Consequence = "rlrun falls back to the cgroup filesystem (if delegated) or no cgroup";

    public static CheckResult Evaluate(SystemdBusFacts f)
    {
        var reached = f.Probes.FirstOrDefault(p => p.Address is not null && p.Error is null);
        if (reached is not null)
        {
            var failedBefore = f.Probes.TakeWhile(p => p != reached).Select(Describe).ToList();
            string before = failedBefore.Count > 0 ? $"{string.Join("; ", failedBefore)}; but " : "";
            return CheckResult.Ok(Name, $"{before}{reached.What} {reached.Address!.Path} accepts connections");
        }
        if (f.User.IsRoot)
            return CheckResult.Warn(Name, $"no system manager reachable: {string.Join("; ", f.Probes.Select(Describe))}: {Consequence}",
                "boot with systemd as PID 1 and D-Bus running (systemctl start dbus.socket)");
        if (f.Probes.Count == 0)
            return CheckResult.Warn(Name, $"XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS are unset, so no user manager can be found: {Consequence}",
                $"export XDG_RUNTIME_DIR=/run/user/{f.User.Uid}   # pam_systemd sets it in a login session");
        string user = f.User.Display;
        if (!f.SystemdIsPid1)
            return CheckResult.Warn(Name, $"no systemd user manager reachable: {string.Join("; ", f.Probes.Select(Describe))}; systemd is not PID 1 here, so no logind starts one: {Consequence}",
                "nothing needed for containers without limits; for cgroups see the \"context\" check (a cgroup root delegates to you)");
        return CheckResult.Warn(Name, $"no systemd user manager reachable: {string.Join("; ", f.Probes.Select(Describe))}: {Consequence}",
            $"loginctl enable-linger {user}\n" +
            $"or: log in as {user} through a PAM session (ssh, login, machinectl shell {user}@): pam_systemd starts systemd --user\n" +
            "or: systemctl --user start dbus.socket   # a manager without its bus (package dbus-user-session)");
    }

    static string Describe(BusProbe p) => p.Address is null ? $"{p.What}: {p.Error}" : $"{p.What} {p.Address.Path}: {p.Error}";
}
