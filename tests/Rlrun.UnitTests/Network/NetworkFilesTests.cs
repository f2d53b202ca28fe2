using Rlrun.Runtime.Network;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Network;

/// <summary>The network's /etc/resolv.conf and /etc/hosts are mounted last, over everything else: an
/// earlier mount at the same place (an image container's own files) is left out, as nothing could
/// see it, unless another mount goes beneath it.</summary>
public sealed class NetworkFilesTests
{
    static SpecMount Bind(string destination, string source) => new() { Destination = destination, Type = "bind", Source = source, Options = ["rbind", "rprivate"] };

    [Fact]
    public void The_network_files_replace_earlier_mounts_at_their_place_and_come_last()
    {
        using var dir = new TempDir();
        var spec = new OciSpec { Mounts = [Bind("/etc/hosts", "/c/hosts"), Bind("/etc/hostname", "/c/hostname"), Bind("/etc/resolv.conf", "/c/resolv.conf"), Bind("/data", "/d")] };
        var request = new NetworkRequest(NetworkMode.Parse("none"), [], ["192.0.2.53"], ["db:192.0.2.10"]);

        NetworkSpec.AddFiles(spec, request, dir.Path, "web");

        Assert.Equal(["/etc/hostname", "/data", "/etc/resolv.conf", "/etc/hosts"], spec.Mounts!.Select(m => m.Destination));
        Assert.Equal([dir.Join(NetworkSpec.ResolvConfFile), dir.Join(NetworkSpec.HostsFile)], spec.Mounts.TakeLast(2).Select(m => m.Source));
        Assert.Equal("nameserver 192.0.2.53\n", File.ReadAllText(dir.Join(NetworkSpec.ResolvConfFile)));
        Assert.Contains("192.0.2.10\tdb", File.ReadAllText(dir.Join(NetworkSpec.HostsFile)));
    }

    [Fact]
    public void An_earlier_mount_with_one_beneath_it_is_kept()
    {
        using var dir = new TempDir();
        var spec = new OciSpec { Mounts = [Bind("/etc/hosts", "/c/hostsdir"), Bind("/etc/hosts/extra", "/x"), Bind("/etc/resolv.conf", "/c/resolv.conf")] };

        NetworkSpec.AddFiles(spec, new NetworkRequest(NetworkMode.Parse("pasta"), [], [], []), dir.Path, "web");

        Assert.Equal(["/etc/hosts", "/etc/hosts/extra", "/etc/resolv.conf", "/etc/hosts"], spec.Mounts!.Select(m => m.Destination));
    }

    [Fact]
    public void Host_networking_adds_no_files()
    {
        using var dir = new TempDir();
        var spec = new OciSpec { Mounts = [Bind("/etc/hosts", "/c/hosts")] };

        NetworkSpec.AddFiles(spec, new NetworkRequest(NetworkMode.Parse("host"), [], [], []), dir.Path, "web");

        Assert.Equal(["/etc/hosts"], spec.Mounts!.Select(m => m.Destination));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
