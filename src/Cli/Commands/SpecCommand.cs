using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Spec;

namespace Rlrun.Cli.Commands;

/// <summary>`spec [--rootless] [--bundle DIR]`: writes a starter config.json.</summary>
public sealed class SpecCommand : ICommand
{
    public string Name => "spec";
    public string Usage => "[--rootless] [--bundle DIR]";
    public string Summary => "create a new specification file (config.json)";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["bundle", "b"], true, "path to the bundle directory (default: the current directory)"),
        new(["rootless"], false, "a config for an unprivileged user (adds a user namespace)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument \"{args.Positional[0]}\"");
        string bundle = args.Value("bundle") ?? ".";
        if (!Directory.Exists(bundle)) throw new ArgumentException($"--bundle {bundle}: no such directory");
        // Named as given (runc's `open config.json: permission denied`), not made absolute.
        string path = args.Value("bundle") is null ? "config.json" : Path.Join(bundle, "config.json");
        if (File.Exists(path)) throw new InvalidOperationException($"File {path} exists. Remove it first");
        var spec = DefaultSpec.Create(args.Bool("rootless"));
        Write(path, SpecJsonWriter.Serialize(spec));
        return 0;
    }

    /// <summary>open(2) itself, so an unwritable directory is one line naming the file and the errno
    /// (.NET's words were "Access to the path ... is denied"); O_EXCL: a file made meanwhile stays.</summary>
    static void Write(string path, byte[] json)
    {
        int fd = Libc.open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0x1b6); // 0666 less the umask, as runc and File.WriteAllBytes
        if (fd < 0) throw new SyscallException("open", Libc.LastErrno, path);
        using var file = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write);
        try { file.Write(json); }
        catch (IOException e)
        {
            // A full disk: no half config.json left for the next `spec` to refuse.
            File.Delete(path);
            throw new IOException($"write {path}: {e.Message}");
        }
    }
}
