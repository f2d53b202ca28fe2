namespace Rlrun.Images.Run;

/// <summary>/etc/hosts, /etc/hostname and /etc/resolv.conf of one container, written in its
/// directory and bind-mounted over the image's (as podman does), so editing them in one container
/// leaves the image and the others alone.</summary>
public static class ContainerFiles
{
    public static readonly string[] Names = ["hosts", "hostname", "resolv.conf"];

    public static void Write(string dir, string hostname, Func<string, string?> imageFile)
    {
        string hosts = imageFile("/etc/hosts") is { Length: > 0 } h && h.Contains("localhost") ? h.TrimEnd('\n') + "\n"
            : "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost localhost.localdomain ip6-localhost ip6-loopback\n";
        File.WriteAllText(Path.Join(dir, "hosts"), hosts + $"127.0.1.1\t{hostname}\n");
        File.WriteAllText(Path.Join(dir, "hostname"), hostname + "\n");
        File.WriteAllText(Path.Join(dir, "resolv.conf"), ResolvConf());
    }

    // The host's, as podman copies it. A loopback resolver (systemd-resolved's 127.0.0.53) cannot
    // be reached from the container's own network namespace: it is left out.
    static string ResolvConf()
    {
        string host = File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "";
        var lines = host.Split('\n').Where(l => !(l.TrimStart().StartsWith("nameserver") && (l.Contains(" 127.") || l.Contains(" ::1")))).ToList();
        return string.Join('\n', lines).TrimEnd('\n') + "\n";
    }
}
