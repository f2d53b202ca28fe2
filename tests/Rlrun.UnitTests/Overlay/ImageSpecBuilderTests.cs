using Rlrun.Images.Oci;
using Rlrun.Images.Run;
using Rlrun.Images.Store;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Overlay;

public sealed class ImageSpecBuilderTests
{
    static readonly ImageRecord Image = new() { Id = new string('a', 64) };
    static readonly ImageRunConfig Config = new()
    {
        Entrypoint = ["/entry"], Cmd = ["serve", "--port", "80"], Env = ["PATH=/opt/bin", "LANG=C"], WorkingDir = "/srv",
        Labels = new() { ["role"] = "web" }, StopSignal = "SIGQUIT",
    };

    static OciSpec Build(ImageRunOptions o) => ImageSpecBuilder.Build(o, Image, Config, new SpecUser { Uid = 1000, Gid = 1000 }, "host", "/c", rootless: true);

    [Fact]
    public void The_images_config_on_rootless_defaults()
    {
        var spec = Build(new ImageRunOptions { Image = "web:1" });
        Assert.Equal(["/entry", "serve", "--port", "80"], spec.Process!.Args);
        Assert.Equal(["PATH=/opt/bin", "LANG=C"], spec.Process.Env);
        Assert.Equal("/srv", spec.Process.Cwd);
        Assert.False(spec.Process.Terminal);
        Assert.False(spec.Root!.Readonly);
        Assert.Empty(spec.Process.Capabilities!.Effective!); // not root: no effective capabilities, as podman
        Assert.Contains(spec.Linux!.Namespaces!, n => n.Type == "user");
        Assert.Equal("web", spec.Annotations!["role"]);
        Assert.Equal("SIGQUIT", spec.Annotations[ImageSpecBuilder.StopSignalAnnotation]);
        Assert.Equal("web:1", spec.Annotations[ImageSpecBuilder.ImageAnnotation]);
        Assert.Contains(spec.Mounts!, m => m.Destination == "/etc/resolv.conf" && m.Source == "/c/resolv.conf");
        Assert.Null(spec.Linux.Resources);
    }

    [Fact]
    public void Flags_win_over_the_image()
    {
        var spec = Build(new ImageRunOptions
        {
            Image = "web:1", Command = ["sh"], Env = ["LANG=de", "X=1"], Workdir = "/tmp", Tty = true, ReadOnly = true,
            Volumes = [new VolumeBind("/h", "/data", ReadOnly: true)], MemoryBytes = 1 << 20, PidsLimit = 10, CpuQuota = 150_000,
        });
        Assert.Equal(["/entry", "sh"], spec.Process!.Args);
        Assert.Equal(["PATH=/opt/bin", "TERM=xterm", "LANG=de", "X=1"], spec.Process.Env);
        Assert.Equal("/tmp", spec.Process.Cwd);
        Assert.True(spec.Process.Terminal);
        Assert.True(spec.Root!.Readonly);
        Assert.Contains(spec.Mounts!, m => m.Destination == "/data" && m.Source == "/h" && m.Options!.Contains("ro"));
        Assert.Equal(1 << 20, spec.Linux!.Resources!.Memory!.Limit);
        Assert.Equal(10, spec.Linux.Resources.Pids!.Limit);
        Assert.Equal(150_000, spec.Linux.Resources.Cpu!.Quota);
    }

    [Fact]
    public void An_empty_entrypoint_flag_drops_the_images_and_its_cmd()
    {
        var spec = Build(new ImageRunOptions { Image = "web:1", Entrypoint = "", Command = ["ls"] });
        Assert.Equal(["ls"], spec.Process!.Args);
        Assert.Contains("no Entrypoint or Cmd", Assert.Throws<ArgumentException>(() => Build(new ImageRunOptions { Image = "web:1", Entrypoint = "" })).Message);
    }

    // The image run hands create the spec it built instead of reading config.json back: both must
    // be the same config, for the init (its encoding) and for anyone who reads the file.
    [Fact]
    public void The_spec_in_memory_is_the_config_json_read_back()
    {
        var o = new ImageRunOptions
        {
            Image = "web:1", Env = ["X=1"], Tty = true, Volumes = [new VolumeBind("/h", "/data", ReadOnly: false)], PidsLimit = 10,
        };
        var inMemory = Build(o);
        byte[] file = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Build(o), SpecJsonContext.Default.OciSpec);
        var readBack = SpecLoader.Parse(file, "config.json");
        Assert.Equal(System.Text.Encoding.UTF8.GetString(file),
            System.Text.Encoding.UTF8.GetString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(inMemory, SpecJsonContext.Default.OciSpec)));
        Assert.Equal(Rlrun.Runtime.Process.InitConfigCodec.Encode(new Rlrun.Runtime.Process.InitConfig { Spec = readBack }),
            Rlrun.Runtime.Process.InitConfigCodec.Encode(new Rlrun.Runtime.Process.InitConfig { Spec = inMemory }));
    }
}
