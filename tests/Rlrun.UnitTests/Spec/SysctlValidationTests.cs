using System.Text;
using Rlrun.Runtime.Spec;
using Xunit;

namespace Rlrun.UnitTests.Spec;

/// <summary>linux.sysctl: only keys of a namespace the container has of its own.</summary>
public sealed class SysctlValidationTests
{
    static OciSpec Parse(string sysctl, string namespaces) => SpecLoader.Parse(Encoding.UTF8.GetBytes(
        "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"namespaces\":["
        + namespaces + "],\"sysctl\":{" + sysctl + "}}}"), "config.json");

    [Theory]
    [InlineData("\"net.ipv4.ping_group_range\":\"0 0\"", "{\"type\":\"network\"}")]
    [InlineData("\"kernel.shmmax\":\"1024\"", "{\"type\":\"ipc\"}")]
    [InlineData("\"fs.mqueue.msg_max\":\"10\"", "{\"type\":\"ipc\"}")]
    [InlineData("\"kernel.hostname\":\"x\"", "{\"type\":\"uts\"}")]
    [InlineData("\"net.ipv4.ip_forward\":\"1\"", "{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}")]
    public void Namespaced_keys_with_their_namespace_load(string sysctl, string ns) => Assert.NotNull(Parse(sysctl, ns));

    [Theory]
    [InlineData("\"vm.swappiness\":\"10\"", "{\"type\":\"ipc\"}", "not a namespaced sysctl")]
    [InlineData("\"kernel.shmmax\":\"1024\"", "{\"type\":\"network\"}", "needs a ipc namespace")]
    [InlineData("\"net.ipv4.ip_forward\":\"1\"", "{\"type\":\"ipc\"}", "needs a network namespace")]
    public void Other_keys_are_refused_naming_the_key(string sysctl, string ns, string why)
    {
        var e = Assert.Throws<SpecError>(() => Parse(sysctl, ns));
        Assert.Contains("linux.sysctl.", e.Message);
        Assert.Contains(why, e.Message);
    }
}
