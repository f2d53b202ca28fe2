using Rlrun.Images.Registry;
using Rlrun.Images.Run;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Network;
using Rlrun.Runtime.Process;

namespace Rlrun.Cli.Commands;

/// <summary>run --image and create --image: write the bundle under the store, then the same
/// create, run, supervised run or daemon hand-over as a bundle gets. The container keeps its
/// state after it exits (podman's way) unless --rm (detached: the daemon deletes it once it has
/// stopped); `rlrun delete` removes it, with its writable layer. Whatever fails before the
/// container exists removes the bundle again.</summary>
static class ImageContainerRun
{
    public static int Run(CommandContext ctx, ParsedArgs args, string command)
    {
        var (image, id) = ImageRunFlags.Parse(ctx, args, command);
        Runtime.State.ContainerId.Validate(id);
        if (Directory.Exists(ctx.Store.DirOf(id))) throw new InvalidOperationException($"container \"{id}\" already exists");
        bool create = command == "create";
        bool detach = create || args.Bool("detach");
        bool rm = args.Bool("rm");
        string? restart = args.Value("restart");
        if (rm && restart is not null and not "no") throw new UsageException("--rm and --restart cannot be combined (a restarted container is kept)");
        if (rm && create) throw new UsageException("create --image: --rm belongs to run");

        // An image container is networked by default, as podman's are (pasta, else slirp4netns),
        // supervised or not: the supervisor and the daemon give it back on every restart.
        var network = NetworkFlags.Parse(args)
            ?? new NetworkRequest(NetworkDefaults.ForImageContainer(ctx.WarnOnce), [], [], []);

        // Created in this process (not by rlrun-supervisor or the daemon): the sealed copy of the init
        // and the cgroup manager's choice are made on other threads while the bundle is written.
        if (create || ((restart ?? ctx.Settings.RestartPolicy) == "no" && !detach))
        {
            SealedExecutable.Prefetch();
            CgroupManagerPrefetch.Start(ctx.CgroupManager, CgroupManagers.WantsLimits(ImageSpecBuilder.Resources(image)), cgroupsPath: null);
        }
        var store = ImageStoreArgs.Open(ctx, args);
        Action<string>? debug = ctx.Log.DebugEnabled ? ctx.Log.Debug : null;
        // A missing image is pulled first, as `podman run` does.
        // The small rlrun has the full one pull it (FullBinaryFetcher); an image in the store needs neither.
        ImageFetcher.Current ??= Images.ImageFeatures.Fetching
            ? new RegistryImageFetcher(RegistryCommandArgs.Progress(quiet: false), debug) : new FullBinaryFetcher(debug);
        var (bundle, prepared) = new ImageBundle(store, debug, ctx.WarnOnce).Write(id, image, rootless: ProcessCalls.geteuid() != 0);
        // Created here, the container takes its config from memory; the supervisor and the daemon
        // read the bundle's files (waited for first).
        var options = new CreateOptions(id, bundle, args.Value("pid-file"), args.Value("console-socket"), args.Bool("no-pivot"),
            args.Int("preserve-fds", 0), ctx.Log.DebugEnabled, ctx.CgroupManager, Network: network, Prepared: prepared, AnyPty: true);
        try
        {
            if (create)
            {
                var (_, init) = new ContainerCreate(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Create(options, startViaSocket: false);
                init.Dispose();
                Console.WriteLine(id);
                return 0;
            }
            string policy = restart ?? ctx.Settings.RestartPolicy;
            // The image form is podman's: its `run -d` is a managed container with a log (policy
            // "no" unless --restart says otherwise), whose output does not hold the caller's stdout,
            // so `id=$(rlrun run -d --image ...)` returns and `rlrun logs ID` works. A bundle's
            // plain `run -d` stays runc's (RunCommand).
            if (policy != "no" || detach)
            {
                // Detached: the daemon runs it and this returns; in the foreground rlrun-supervisor takes our place.
                prepared.WaitWritten();
                int rc = Supervisor.Exec(ctx, options with { Prepared = null }, policy, detach, remove: rm);
                Console.WriteLine(id);
                return rc;
            }
            return new ContainerRun(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Run(options, detach: false, keep: !rm);
        }
        // A container that never came to exist (create failed, the daemon refused) leaves nothing.
        catch when (!Directory.Exists(ctx.Store.DirOf(id)))
        {
            prepared.WaitQuietly();
            ImageContainerRemoval.Remove(bundle, () => store.Unpacker);
            throw;
        }
        finally
        {
            // Detached, the daemon's delete removes it (perhaps already, and at this very moment).
            if (rm && !detach && !Directory.Exists(ctx.Store.DirOf(id)))
            {
                prepared.WaitQuietly();
                ImageContainerRemoval.Remove(bundle, () => store.Unpacker);
                ctx.Log.Debug("image container's directory removed");
            }
        }
    }
}
