using System.Text;
using System.Text.Json;
using Rlrun.Images.Oci;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Process;

namespace Rlrun.Images.Unpack;

/// <summary>The helper's side: `rlrun image-unpack-helper`, started by UserNamespaceUnpacker, already
/// root of the mapped user namespace when .NET starts. Does one job and answers over the socket.</summary>
public static class UnpackHelper
{
    // The kind of error travels with its text, so stage 0 reports it as the same one-line error.
    const string FormatTag = "format:", EntryTag = "entry:", SpaceTag = "space:";

    public static int Main(int fd)
    {
        using var channel = new InitChannel(fd);
        try
        {
            var frame = channel.Receive() ?? throw new InvalidOperationException("no job");
            if (frame.Type != FrameType.Config) throw new InvalidOperationException($"unexpected frame {frame.Type}");
            var job = JsonSerializer.Deserialize(frame.Payload, UnpackJsonContext.Default.UnpackJob)!;
            // Dies with rlrun: a `kill -9` of the import must not leave a helper writing on.
            ProcessCalls.prctl(ProcessCalls.PR_SET_PDEATHSIG, 9, 0, 0, 0);
            if (Interop.ParentCalls.getppid() != job.Parent) return 1;
            Action<string>? debug = job.Debug ? line => channel.Send(FrameType.Debug, line) : null;
            byte[] reply = [];
            switch (job.Op)
            {
                case "unpack":
                {
                    if (!ImageFeatures.Fetching) throw ImageFeatures.NotCarried("layer unpack");
                    var compression = Enum.Parse<LayerCompression>(job.Compression!);
                    var r = new InProcessUnpacker(applyOwnership: true, debug).Unpack(job.Blob!, compression, job.Path);
                    reply = JsonSerializer.SerializeToUtf8Bytes(new UnpackReply { DiffId = r.DiffId.ToString(), Size = r.Size }, UnpackJsonContext.Default.UnpackReply);
                    break;
                }
                case "remove":
                    TreeRemover.Remove(job.Path);
                    break;
                default: throw new InvalidOperationException($"unknown job \"{job.Op}\"");
            }
            channel.Send(FrameType.Created, reply);
            return 0;
        }
        catch (Exception e)
        {
            string tag = e switch
            {
                ImageFormatException => FormatTag,
                LayerEntryException => EntryTag,
                IOException io when io.Message.Contains("no space left", StringComparison.OrdinalIgnoreCase) || io.HResult == 28 => SpaceTag,
                _ => "",
            };
            try { channel.Send(FrameType.Error, tag + e.Message.Replace('\n', ' ')); } catch (Exception) { }
            return 1;
        }
    }

    public static Exception Decode(string text) =>
        text.StartsWith(FormatTag) ? new ImageFormatException(text[FormatTag.Length..])
        : text.StartsWith(EntryTag) ? new ImageFormatException(text[EntryTag.Length..])
        : text.StartsWith(SpaceTag) ? new IOException(text[SpaceTag.Length..])
        : new InvalidOperationException($"image unpack helper: {text}");
}
