using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rlrun.Systemd;

/// <summary>
/// A failed D-Bus call or a D-Bus error answered by systemd. <see cref="Call"/> names what was
/// called (e.g. "StartTransientUnit(rlrun-x.scope)"), <see cref="Errno"/> a positive errno (for an
/// error reply the one sd-bus maps its name to), and for an error reply <see cref="ErrorName"/> / <see cref="ErrorMessage"/> are
/// the D-Bus error (e.g. org.freedesktop.DBus.Error.PropertyReadOnly, "Cannot set property X, or
/// unknown property.").
/// </summary>
public class SystemdException : Exception
{
    public string Call { get; }
    public int Errno { get; }
    public string? ErrorName { get; }
    public string? ErrorMessage { get; }

    public SystemdException(string call, int errno, string? errorName = null, string? errorMessage = null, string? message = null)
        : base(message ?? Describe(call, errno, errorName, errorMessage))
    {
        Call = call;
        Errno = errno;
        ErrorName = errorName;
        ErrorMessage = errorMessage;
    }

    /// <summary>The bounded wait ran out (ETIMEDOUT).</summary>
    public bool IsTimeout => Errno == Errnos.ETIMEDOUT;

    /// <summary>systemd knows no unit of that name (org.freedesktop.systemd1.NoSuchUnit).</summary>
    public bool IsNoSuchUnit => ErrorName == DBusErrors.NoSuchUnit;

    /// <summary>A unit of that name exists already (org.freedesktop.systemd1.UnitExists).</summary>
    public bool IsUnitExists => ErrorName == DBusErrors.UnitExists;

    private static string Describe(string call, int errno, string? name, string? message)
    {
        if (name is not null) return $"{call}: {name}: {message ?? "(no message)"}";
        return $"{call}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
    }
}

/// <summary>A job (start or stop) finished with a result other than "done".</summary>
public sealed class SystemdJobFailedException : SystemdException
{
    public string Unit { get; }
    public string JobPath { get; }
    /// <summary>JobRemoved's result: canceled, timeout, failed, dependency, skipped, ...</summary>
    public string Result { get; }

    public SystemdJobFailedException(string call, string unit, string jobPath, string result)
        : base(call, 0, message: $"{call}: job {jobPath} for unit {unit} finished with result '{result}' (not 'done')")
    {
        Unit = unit;
        JobPath = jobPath;
        Result = result;
    }
}

/// <summary>D-Bus error names seen from systemd.</summary>
public static class DBusErrors
{
    /// <summary>systemd 252's answer to a StartTransientUnit property it does not know (or that
    /// cannot be set): "Cannot set property NAME, or unknown property."</summary>
    public const string PropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly";
    public const string InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
    public const string UnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty";
    public const string NoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit";
    public const string UnitExists = "org.freedesktop.systemd1.UnitExists";
    public const string ServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown";

    /// <summary>The errno an error name stands for, as sd-bus maps them (EIO for the rest).</summary>
    public static int ErrnoOf(string? errorName) => errorName switch
    {
        NoSuchUnit or UnknownProperty or "org.freedesktop.DBus.Error.UnknownObject" or "org.freedesktop.DBus.Error.UnknownMethod"
            or "org.freedesktop.DBus.Error.FileNotFound" => Errnos.ENOENT,
        UnitExists => Errnos.EEXIST,
        PropertyReadOnly or "org.freedesktop.DBus.Error.AccessDenied" => Errnos.EACCES,
        InvalidArgs => Errnos.EINVAL,
        ServiceUnknown => Errnos.EHOSTUNREACH,
        "org.freedesktop.DBus.Error.NoReply" or "org.freedesktop.DBus.Error.Timeout" => Errnos.ETIMEDOUT,
        _ => Errnos.EIO,
    };
}

/// <summary>The errno values the D-Bus errors map to (as sd-bus maps them), from Tmds.LibC.</summary>
internal static class Errnos
{
    public static int ENOENT => LibC.ENOENT;
    public static int EIO => LibC.EIO;
    public static int ENXIO => LibC.ENXIO;
    public static int EACCES => LibC.EACCES;
    public static int EEXIST => LibC.EEXIST;
    public static int EINVAL => LibC.EINVAL;
    public static int EBADMSG => LibC.EBADMSG;
    public static int ECONNRESET => LibC.ECONNRESET;
    public static int ENOTCONN => LibC.ENOTCONN;
    public static int ETIMEDOUT => LibC.ETIMEDOUT;
    public static int ECONNREFUSED => LibC.ECONNREFUSED;
    public static int EHOSTUNREACH => LibC.EHOSTUNREACH;
}
