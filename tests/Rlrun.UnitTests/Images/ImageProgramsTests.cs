using Rlrun.Images.Run;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>Which bare words `run --image IMG WORD` takes for a program of the image (and so refuses
/// as an ID): found on the image's PATH in the unpacked layers, the top layer first.</summary>
public sealed class ImageProgramsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("rlrun-programs-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Layer(string name, params string[] files)
    {
        string layer = Path.Join(_dir, name);
        foreach (var f in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Join(layer, f))!);
            File.WriteAllText(Path.Join(layer, f), "");
        }
        Directory.CreateDirectory(layer);
        return layer;
    }

    [Fact]
    public void A_program_on_the_images_PATH_is_found_in_any_layer_a_symlink_included()
    {
        string bottom = Layer("bottom", "bin/busybox", "usr/local/bin/tool");
        File.CreateSymbolicLink(Path.Join(bottom, "bin", "sh"), "busybox");
        string top = Layer("top", "etc/motd");
        List<string> layers = [top, bottom];

        Assert.Equal("/bin/sh", ImagePrograms.Find(layers, "sh", env: null));
        Assert.Equal("/usr/local/bin/tool", ImagePrograms.Find(layers, "tool", ["A=1"]));
        Assert.Null(ImagePrograms.Find(layers, "web", env: null));
        // Not on the image's own PATH, not a program of it; a directory is not a program.
        Assert.Null(ImagePrograms.Find(layers, "tool", ["PATH=/bin"]));
        Assert.Null(ImagePrograms.Find(layers, "bin", ["PATH=/"]));
        Assert.Null(ImagePrograms.Find(layers, "bin/sh", env: null));
    }
}
