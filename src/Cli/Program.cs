using System.Reflection;
using Rlrun.Cli.Commands;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Spec;

namespace Rlrun.Cli;

public static partial class Program
{
    // The commands and global flags: CommandTable.cs (help, completions and man pages come from it).
    static ICommand[] Commands => CommandTable.Commands;
    static ICommand[] ImageCommands => CommandTable.ImageCommands;
    static Flag[] GlobalFlags => CommandTable.GlobalFlags;

    public static int Main(string[] args)
    {
        DebugClock.MarkStart();
        FullBinary.Argv = args;
        // Stage 2: the native stage already put us in the container's namespaces.
        if (args is ["init"] && Environment.GetEnvironmentVariable("_RLRUN_INITFD") is { } fd)
        {
            Environment.SetEnvironmentVariable("_RLRUN_INITFD", null);
            return ContainerInit.Main(int.Parse(fd));
        }
        // The image unpack helper: root of a user namespace mapped like containers (src/Images/Unpack).
        if (args is [Images.Unpack.UserNamespaceUnpacker.HelperCommand] && Environment.GetEnvironmentVariable("_RLRUN_INITFD") is { } helperFd)
        {
            Environment.SetEnvironmentVariable("_RLRUN_INITFD", null);
            return Images.Unpack.UnpackHelper.Main(int.Parse(helperFd));
        }
        // The build writes the man pages with the binary's own table (make man): not a user command.
        if (args is [Docs.ManPages.Verb, var descriptions, var outDir]) return Docs.ManPages.Write(descriptions, outDir);
        NativeStage.EnsureLinked();
        ReadOnlyStdio.Silence();
        Runtime.Host.TerminalStdio.Plain();
        Runtime.Host.RuntimeDirFallback.Apply();

        ParsedArgs global;
        try { global = ArgParser.Parse(args, GlobalFlags); }
        catch (UsageException e) { Console.Error.WriteLine($"rlrun: {e.Message}"); return 1; }

        if (global.Bool("version")) { PrintVersion(); return 0; }
        var rest = global.Positional;
        if (global.Bool("help") || rest.Count == 0 || rest[0] == "help") { PrintHelp(); return rest.Count == 0 && !global.Bool("help") ? 1 : 0; }

        string format = global.Value("log-format") ?? "text";
        if (format is not ("text" or "json")) { Console.Error.WriteLine($"rlrun: invalid --log-format \"{format}\": text or json"); return 1; }
        var log = new RuntimeLog(global.Value("log"), format == "json", global.Bool("debug"));
        Runtime.Cgroups.CgroupManagers.RegisterSystemd(within => Systemd.Cgroups.SystemdCgroupManager.TryConnect(within, log.Warn));
        Runtime.Cgroups.CgroupfsManager.Debug = log.Debug;

        var command = Commands.FirstOrDefault(c => c.Name == rest[0]);
        int skip = 1;
        if (rest[0] == "image")
        {
            if (rest.Count < 2) { log.Error($"image: a subcommand is needed: {string.Join(", ", ImageCommands.Select(c => c.Name[6..]))}"); return 1; }
            command = ImageCommands.FirstOrDefault(c => c.Name == $"image {rest[1]}");
            if (command is null) { log.Error($"image: unknown subcommand \"{rest[1]}\" ({string.Join(", ", ImageCommands.Select(c => c.Name[6..]))}{PodmanWords.Hint($"image {rest[1]}")})"); return 1; }
            skip = 2;
        }
        if (command is null) { log.Error($"unknown command \"{rest[0]}\" (see rlrun --help{PodmanWords.Hint(rest[0])})"); return 1; }

        try
        {
            // Image commands take their flags anywhere (`rlrun image import DIR --storage S`); the
            // OCI commands stop at the first positional, as runc does.
            var parsed = ArgParser.Parse(rest.Skip(skip).ToList(), [.. command.Flags, CommandTable.Help],
                stopAtPositional: command is not IImageCommand);
            if (parsed.Bool("help")) { PrintCommandHelp(command); return 0; }
            InheritedSignals.Settle(command.ForwardsSignals(parsed));
            var settings = RlrunSettings.Load(new Dictionary<string, string?>
            {
                ["root"] = global.Value("root"),
                ["cgroup_manager"] = global.Value("cgroup-manager") ?? (global.Bool("systemd-cgroup") ? "systemd" : null),
            });
            string root = settings.Root ?? Runtime.State.StateStore.DefaultRoot();
            string cgroupManager = settings.CgroupManager;
            if (!Runtime.Cgroups.CgroupManagers.IsKnown(cgroupManager))
                throw new UsageException($"invalid cgroup manager \"{cgroupManager}\" (from --cgroup-manager, RLRUN_CGROUP_MANAGER or {RlrunSettings.ConfigFile()}): systemd, cgroupfs, disabled or auto");
            log.Debug("command line and settings read");
            int rc = command.Run(new CommandContext(Path.GetFullPath(root), log, cgroupManager, settings), parsed);
            log.Debug($"{command.Name} done"); // with the first line: what the command itself cost (bench/cri-calls.sh)
            return rc;
        }
        catch (UsageException e) { log.Error(Prefixed(command.Name, e.Message)); return 1; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Error(Describe(command.Name, e));
            return 1;
        }
    }

    // runc names the step: "create: rootfs ... does not exist". One line, whatever the exception,
    // and always after the command's name (once: "run --restart: ..." has it already).
    static string Describe(string command, Exception e) => Prefixed(command, e.Message.Replace('\n', ' ').Trim());

    static string Prefixed(string command, string message) =>
        message.StartsWith(command + ":", StringComparison.Ordinal) || message.StartsWith(command + " ", StringComparison.Ordinal)
            ? message : $"{command}: {message}";

    public static string VersionText()
    {
        var info = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var parts = info.Split('+', 2);
        return $"rlrun version {parts[0]}\ncommit: {(parts.Length > 1 ? parts[1] : "unknown")}\nspec: 1.2.0";
    }

    static void PrintVersion() => Console.WriteLine(VersionText());

    static void PrintHelp()
    {
        Console.WriteLine("rlrun - a rootless OCI container runtime\n\nUsage: rlrun [global options] command [options] [arguments]\n\nCommands:");
        foreach (var c in Commands.Concat(ImageCommands)) Console.WriteLine($"  {c.Name,-14} {c.Summary}");
        Console.WriteLine("\nGlobal options:");
        foreach (var f in GlobalFlags) Console.WriteLine($"  --{f.Name,-16} {f.Help}");
    }

    static void PrintCommandHelp(ICommand c)
    {
        Console.WriteLine($"Usage: rlrun {c.Name} {c.Usage}\n\n{c.Summary}\n\nOptions:");
        foreach (var f in c.Flags)
            Console.WriteLine($"  {string.Join(", ", f.Names.Select(n => n.Length == 1 ? "-" + n : "--" + n)),-24} {f.Help}");
    }
}
