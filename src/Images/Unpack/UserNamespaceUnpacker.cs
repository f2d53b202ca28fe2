using System.Text;
using System.Text.Json;
using Rlrun.Images.Oci;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Namespaces;
using Rlrun.Runtime.Process;

namespace Rlrun.Images.Unpack;

/// <summary>Unpacks in a user namespace mapped like containers (0 -> the user, 1..N -> the subordinate
/// range), the way rootless podman does: rlrun starts itself as `rlrun image-unpack-helper` through
/// the native stage (src/Native/nsstage.c), writes its maps with newuidmap/newgidmap as for `create`,
/// and the helper, root of that namespace, extracts with chown. No privilege is needed.</summary>
public sealed class UserNamespaceUnpacker(Func<UserNamespacePlan> planner, Action<string>? debug) : ILayerUnpacker
{
    public const string HelperCommand = "image-unpack-helper";

    // Made at first use: opening the store hands every image command an unpacker, and a warm image
    // run mostly needs none (its own create reads the caller's ID ranges again anyway).
    readonly Lazy<UserNamespacePlan> _plan = new(planner);
    UserNamespacePlan Plan => _plan.Value;

    public UserNamespaceUnpacker(UserNamespacePlan plan, Action<string>? debug) : this(() => plan, debug) { }

    public string UidMap => Describe(Plan.UidMap);
    public string GidMap => Describe(Plan.GidMap);

    static string Describe(IReadOnlyList<IdMap> maps) => string.Join(',', maps.Select(m => $"{m.ContainerId}:{m.HostId}:{m.Size}"));

    /// <summary>The caller's: container 0 is the caller, 1..N its subordinate range, read when first needed.</summary>
    public static UserNamespaceUnpacker ForCaller(Action<string>? debug) => new(() =>
    {
        var plan = IdMapPlanner.Default(CallerInfo.Detect(), "image unpacking");
        debug?.Invoke($"unpack user namespace: {plan.Note}");
        return plan;
    }, debug);

    public ExtractResult Unpack(string blobPath, LayerCompression compression, string destination, int heldLock = -1)
    {
        var reply = Run(new UnpackJob
        {
            Op = "unpack", Blob = blobPath, Compression = compression.ToString(), Path = destination, Debug = debug is not null,
        }, heldLock);
        var r = JsonSerializer.Deserialize(reply, UnpackJsonContext.Default.UnpackReply)!;
        return new ExtractResult(Digest.Parse(r.DiffId, "unpack helper reply"), r.Size);
    }

    public void Remove(string path)
    {
        if (!Directory.Exists(path)) return;
        Run(new UnpackJob { Op = "remove", Path = path, Debug = debug is not null });
    }

    /// <param name="heldLock">an flock'ed fd the helper keeps open too: the lock then lasts as long as
    /// the helper, whatever happens to us</param>
    byte[] Run(UnpackJob job, int heldLock = -1)
    {
        job.Parent = Environment.ProcessId;
        int parentFd, childFd;
        unsafe
        {
            int* sv = stackalloc int[2];
            SyscallException.Check(SocketCalls.socketpair(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC, 0, sv), "socketpair");
            parentFd = sv[0]; childFd = sv[1];
        }
        using var channel = new InitChannel(parentFd);
        int stage1 = -1, helper = -1;
        try
        {
            const int InitFd = 3;
            var fds = new List<(int, int)> { (childFd, InitFd) };
            if (heldLock >= 0) fds.Add((heldLock, InitFd + 1));
            stage1 = SpawnCalls.Spawn("/proc/self/exe", ["rlrun", HelperCommand], [$"_RLRUN_INITFD={InitFd}"], fds);
            Libc.close(childFd);
            childFd = -1;
            var plan = Plan;
            channel.Send(FrameType.Plan, new NamespacePlan(plan.Create, 0, []).Encode());
            helper = InitLauncher.RunStage1Exchange(channel, stage1, plan);
            InitLauncher.Reap(stage1);
            stage1 = -1;
            channel.Send(FrameType.Config, JsonSerializer.SerializeToUtf8Bytes(job, UnpackJsonContext.Default.UnpackJob));
            while (true)
            {
                var frame = channel.Receive() ?? throw new InvalidOperationException($"image unpack helper exited without an answer ({job.Op} {job.Path})");
                switch (frame.Type)
                {
                    case FrameType.Debug: debug?.Invoke(Encoding.UTF8.GetString(frame.Payload)); break;
                    case FrameType.Created: return frame.Payload;
                    case FrameType.Error: throw UnpackHelper.Decode(Encoding.UTF8.GetString(frame.Payload));
                    default: throw new InvalidOperationException($"image unpack helper: unexpected frame {frame.Type}");
                }
            }
        }
        finally
        {
            if (childFd >= 0) Libc.close(childFd);
            if (stage1 > 0) { ProcessCalls.kill(stage1, 9); InitLauncher.Reap(stage1); }
            if (helper > 0) InitLauncher.Reap(helper);
        }
    }
}
