using System.Text;
using Rlrun.Runtime.Namespaces;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;
using static Rlrun.Runtime.Interop.NamespaceCalls;

namespace Rlrun.UnitTests.Namespaces;

public class NamespacePlanTests
{
    /// <summary>Reads a plan the way nsstage.c's parse_plan does: NUL-terminated items,
    /// userns=, unshare=, join=TYPE:PATH split at the first colon.</summary>
    static (int NewUser, int Unshare, List<(int Type, string Path)> Joins) ParseLikeNsstage(byte[] payload)
    {
        string text = Encoding.UTF8.GetString(payload);
        Assert.EndsWith("\0", text);
        int newUser = 0, unshare = 0;
        var joins = new List<(int, string)>();
        foreach (var item in text[..^1].Split('\0'))
        {
            if (item.StartsWith("userns=")) newUser = int.Parse(item[7..]);
            else if (item.StartsWith("unshare=")) unshare = int.Parse(item[8..]);
            else if (item.StartsWith("join="))
            {
                int colon = item.IndexOf(':', 5);
                Assert.True(colon > 5, $"bad join item {item}");
                joins.Add((int.Parse(item[5..colon]), item[(colon + 1)..]));
            }
            else Assert.Fail($"nsstage does not know the item '{item}'");
        }
        return (newUser, unshare, joins);
    }

    static OciSpec With(params (string Type, string? Path)[] namespaces)
    {
        var spec = Specs.Minimal();
        spec.Linux!.Namespaces = namespaces.Select(n => new SpecNamespace { Type = n.Type, Path = n.Path }).ToList();
        return spec;
    }

    [Fact]
    public void The_default_config_unshares_its_six_namespaces()
    {
        var plan = NamespacePlan.From(Specs.Default(false), createUserNamespace: true);

        Assert.True(plan.NewUser);
        Assert.Equal(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP, plan.UnshareFlags);
        Assert.Empty(plan.Joins);
        Assert.True(plan.Creates("network"));
        Assert.True(plan.Creates("user"));
        Assert.False(plan.Creates("time"));
    }

    [Fact]
    public void The_user_namespace_is_never_in_the_unshare_flags()
    {
        var plan = NamespacePlan.From(Specs.Default(true), createUserNamespace: false);
        Assert.Equal(0, plan.UnshareFlags & CLONE_NEWUSER);
        Assert.False(plan.NewUser);
        Assert.False(plan.Creates("user"));
    }

    [Fact]
    public void The_time_namespace_has_its_flag()
    {
        Assert.Equal(CLONE_NEWTIME, NamespacePlan.From(With(("time", null)), false).UnshareFlags);
    }

    [Fact]
    public void Namespaces_with_a_path_are_joined_not_created()
    {
        var plan = NamespacePlan.From(With(("mount", null), ("network", "/run/netns/ci")), false);

        Assert.Equal(CLONE_NEWNS, plan.UnshareFlags);
        Assert.Equal([(CLONE_NEWNET, "/run/netns/ci")], plan.Joins);
        Assert.False(plan.Creates("network"));
        Assert.True(plan.JoinsExisting("network"));
        Assert.False(plan.JoinsExisting("mount"));
    }

    [Fact]
    public void The_user_namespace_join_comes_first()
    {
        var plan = NamespacePlan.From(With(
            ("ipc", "/proc/7/ns/ipc"), ("network", "/proc/7/ns/net"), ("user", "/proc/7/ns/user"), ("uts", "/proc/7/ns/uts")), false);

        Assert.Equal((CLONE_NEWUSER, "/proc/7/ns/user"), plan.Joins[0]);
        Assert.Equal(
            new[] { (CLONE_NEWIPC, "/proc/7/ns/ipc"), (CLONE_NEWNET, "/proc/7/ns/net"), (CLONE_NEWUTS, "/proc/7/ns/uts") }.OrderBy(j => j.Item1),
            plan.Joins.Skip(1).OrderBy(j => j.Type));
        Assert.Equal(0, plan.UnshareFlags);
    }

    [Fact]
    public void The_other_joins_keep_the_configs_order()
    {
        var plan = NamespacePlan.From(With(
            ("uts", "/proc/7/ns/uts"), ("network", "/proc/7/ns/net"), ("user", "/proc/7/ns/user"), ("ipc", "/proc/7/ns/ipc"), ("mount", "/proc/7/ns/mnt")), false);
        Assert.Equal([CLONE_NEWUSER, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWNS], plan.Joins.Select(j => j.Type));
    }

    [Fact]
    public void Encode_writes_the_items_nsstage_parses()
    {
        var plan = NamespacePlan.From(With(("pid", null), ("mount", null), ("network", "/run/netns/a:b"), ("user", "/proc/9/ns/user")), false);

        var (newUser, unshare, joins) = ParseLikeNsstage(plan.Encode());

        Assert.Equal(0, newUser);
        Assert.Equal(CLONE_NEWPID | CLONE_NEWNS, unshare);
        Assert.Equal([(CLONE_NEWUSER, "/proc/9/ns/user"), (CLONE_NEWNET, "/run/netns/a:b")], joins);
    }

    [Fact]
    public void Encode_begins_with_userns_and_unshare()
    {
        var plan = NamespacePlan.From(Specs.Default(true), createUserNamespace: true);
        string text = Encoding.UTF8.GetString(plan.Encode());
        Assert.Equal($"userns=1\0unshare={plan.UnshareFlags}\0", text);
        Assert.Equal(1, ParseLikeNsstage(plan.Encode()).NewUser);
    }

    [Fact]
    public void A_config_without_namespaces_unshares_nothing()
    {
        var spec = Specs.Minimal();
        spec.Linux = null;
        var plan = NamespacePlan.From(spec, createUserNamespace: false);
        var (newUser, unshare, joins) = ParseLikeNsstage(plan.Encode());
        Assert.Equal(0, newUser);
        Assert.Equal(0, unshare);
        Assert.Empty(joins);
    }
}
