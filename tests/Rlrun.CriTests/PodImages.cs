using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;

namespace Rlrun.CriTests;

/// <summary>The lane's two images, one busybox-static layer each: cri/pause (the sandbox image:
/// a process that sleeps until it is killed, as the pause image does) and cri/busybox (the pod's
/// containers), pushed to the loopback registry.</summary>
public static class PodImages
{
    static readonly string[] Applets =
        ["sh", "cat", "echo", "sleep", "ls", "readlink", "id", "hostname", "test", "true", "grep", "head", "env"];

    public static void Push(LoopbackRegistry registry, string dir)
    {
        var layer = new LayerBuilder().Dir("bin").File("bin/busybox", File.ReadAllBytes("/bin/busybox"), mode: 0x1ed);
        foreach (var a in Applets) layer.Symlink($"bin/{a}", "busybox");
        layer.Dir("etc").File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").File("etc/group", "root:x:0:\n")
            .Dir("tmp", mode: 0x3ff).Dir("proc").Dir("dev").Dir("sys").Dir("root", mode: 0x1c0);
        byte[] tar = layer.Build();

        string pause = Path.Join(dir, "pause");
        OciLayoutWriter.Write(pause, [tar], editConfig: c => c["config"] = new JsonObject
        {
            ["Entrypoint"] = new JsonArray("/bin/sleep", "2147483647"), ["Env"] = new JsonArray("PATH=/bin"),
        });
        registry.Push(pause, "cri/pause:v1");

        string busybox = Path.Join(dir, "busybox");
        OciLayoutWriter.Write(busybox, [tar], editConfig: c => c["config"] = new JsonObject
        {
            ["Cmd"] = new JsonArray("/bin/sh"), ["Env"] = new JsonArray("PATH=/bin"), ["WorkingDir"] = "/",
        });
        registry.Push(busybox, "cri/busybox:v1");
    }
}
