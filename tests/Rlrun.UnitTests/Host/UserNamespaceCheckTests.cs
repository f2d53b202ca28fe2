using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class UserNamespaceCheckTests
{
    static UserNamespaceFacts User(long? max = 63000, long? clone = null, long? apparmor = null) => new(false, max, clone, apparmor);
    static UserNamespaceFacts Root(long? max = 63000, long? clone = null, long? apparmor = null) => new(true, max, clone, apparmor);

    [Fact]
    public void Allowed_user_namespaces_are_ok_and_show_the_values()
    {
        var r = UserNamespaceCheck.Evaluate(User(clone: 1, apparmor: 0));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Equal("max_user_namespaces=63000, unprivileged_userns_clone=1, apparmor_restrict_unprivileged_userns=0", r.Detail);
        Assert.Null(r.Fix);
    }

    [Fact]
    public void Absent_distribution_switches_are_not_shown()
    {
        Assert.Equal("max_user_namespaces=63000", UserNamespaceCheck.Evaluate(User()).Detail);
    }

    [Fact]
    public void Zero_user_namespaces_fails_with_the_sysctl_and_a_sysctl_d_file()
    {
        var r = UserNamespaceCheck.Evaluate(User(max: 0));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Equal("sysctl -w user.max_user_namespaces=28633 && printf 'user.max_user_namespaces=28633\\n' > /etc/sysctl.d/90-rlrun-userns.conf", r.Fix);
    }

    [Fact]
    public void Debians_switch_at_0_fails()
    {
        var r = UserNamespaceCheck.Evaluate(User(clone: 0));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("unprivileged_userns_clone", r.Detail);
        Assert.StartsWith("sysctl -w kernel.unprivileged_userns_clone=1 &&", r.Fix);
    }

    [Fact]
    public void Ubuntus_apparmor_restriction_fails()
    {
        var r = UserNamespaceCheck.Evaluate(User(apparmor: 1));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("AppArmor", r.Detail);
        Assert.StartsWith("sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 &&", r.Fix);
    }

    [Fact]
    public void Several_problems_are_fixed_by_one_command()
    {
        var r = UserNamespaceCheck.Evaluate(User(max: 0, clone: 0, apparmor: 1));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Single(r.FixLines);
        Assert.StartsWith("sysctl -w user.max_user_namespaces=28633 kernel.unprivileged_userns_clone=1 kernel.apparmor_restrict_unprivileged_userns=0 && printf '", r.Fix);
        Assert.Contains("user.max_user_namespaces=28633\\nkernel.unprivileged_userns_clone=1\\nkernel.apparmor_restrict_unprivileged_userns=0\\n", r.Fix);
    }

    [Fact]
    public void A_kernel_without_user_namespaces_fails()
    {
        var r = UserNamespaceCheck.Evaluate(User(max: null));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("CONFIG_USER_NS", r.Fix);
    }

    [Fact]
    public void The_unprivileged_switches_do_not_concern_root()
    {
        Assert.Equal(CheckStatus.Ok, UserNamespaceCheck.Evaluate(Root(clone: 0, apparmor: 1)).Status);
    }

    [Fact]
    public void For_root_no_user_namespaces_at_all_only_warns()
    {
        var r = UserNamespaceCheck.Evaluate(Root(max: 0));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.NotNull(r.Fix);
    }
}
