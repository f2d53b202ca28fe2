using Tmds.DBus.Protocol;

namespace Rlrun.Systemd;

/// <summary>ExecStart (and ExecStop...) as StartTransientUnit takes it: a(sasb), one command of
/// its path, its argv (argv[0] included) and whether a failure is ignored.</summary>
public sealed record ExecCommandProperty(string Name, string Path, IReadOnlyList<string> Argv, bool IgnoreFailure = false) : UnitProperty(Name)
{
    public override string Signature => "a(sasb)";
    public override string ValueText => $"[{Path} {string.Join(' ', Argv.Skip(1))}]";
    internal override void WriteValue(ref MessageWriter w)
    {
        var array = w.WriteArrayStart(DBusType.Struct);
        w.WriteStructureStart();
        BusWrite.String(ref w, Path);
        foreach (var a in Argv) BusWrite.CheckString(a);
        w.WriteArray(Argv.ToArray());
        w.WriteBool(IgnoreFailure);
        w.WriteArrayEnd(array);
    }
}

/// <summary>
/// A long-lived process started as a transient service of a manager (what `systemd-run --user`
/// does): it then lives in the manager's tree (app.slice for a user manager), whoever asked, so
/// it can have scopes made for its children, and it survives the session of the one who asked
/// (su, runuser, a root service's child). The unit is collected when its process exits.
/// </summary>
public static class TransientService
{
    /// <summary>StartTransientUnit of a Type=exec service running ARGV (argv[0] is the path) with
    /// exactly ENVIRONMENT, stdout and stderr appended to LOG; waits for its start job (the exec).</summary>
    public static TransientScopeStarted Start(SystemdBus bus, string unitName, IReadOnlyList<string> argv, IEnumerable<string> environment,
        string? log, string description, TimeSpan timeout, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        if (argv.Count == 0) throw new ArgumentException("an empty argv", nameof(argv));
        var props = new List<UnitProperty>
        {
            UnitProperties.Description(description),
            new ExecCommandProperty("ExecStart", argv[0], argv),
            UnitProperty.String("Type", "exec"),
            UnitProperty.Strings("Environment", environment.Where(IsValidAssignment)),
            // Only the daemon is stopped with its unit: containers in it (cgroup manager disabled)
            // or in their own scopes stay, as they do when a detached daemon dies.
            UnitProperty.String("KillMode", "process"),
            UnitProperties.CollectMode(),
        };
        if (log is not null)
        {
            props.Add(UnitProperty.String("StandardOutputFileToAppend", log));
            props.Add(UnitProperty.String("StandardErrorFileToAppend", log));
        }
        return TransientScope.Start(bus, unitName, props, timeout, warn);
    }

    /// <summary>What systemd takes in Environment=: NAME=VALUE with a shell-like name and no
    /// control character in the value (it refuses the whole unit otherwise).</summary>
    public static bool IsValidAssignment(string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) return false;
        var name = assignment.AsSpan(0, eq);
        if (char.IsAsciiDigit(name[0])) return false;
        foreach (char c in name) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        foreach (char c in assignment.AsSpan(eq + 1)) if (char.IsControl(c) && c != '\t') return false;
        return true;
    }
}
