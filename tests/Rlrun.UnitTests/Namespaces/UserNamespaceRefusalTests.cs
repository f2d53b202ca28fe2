using Rlrun.Runtime.Namespaces;
using Xunit;

namespace Rlrun.UnitTests.Namespaces;

public class UserNamespaceRefusalTests
{
    const string Refused = "unshare user namespace: No space left on device";

    [Fact]
    public void Zero_user_namespaces_in_a_container_is_named_as_the_outer_containers_doing()
    {
        string s = UserNamespaceRefusal.Explain(Refused, new UserNamespaceLimits(0, 0, InForeignUserNamespace: true));
        Assert.StartsWith(Refused + ": ", s);
        Assert.Contains("user.max_user_namespaces is 0 in the user namespace rlrun runs in", s);
    }

    [Fact]
    public void A_seccomp_filter_is_named()
    {
        string s = UserNamespaceRefusal.Explain("unshare user namespace: Operation not permitted", new UserNamespaceLimits(15000, 2, true));
        Assert.Contains("seccomp", s);
        Assert.Contains("CLONE_NEWUSER", s);
    }

    [Fact]
    public void Without_a_known_cause_it_points_to_check()
    {
        Assert.Equal(Refused + " (see `rlrun check`)", UserNamespaceRefusal.Explain(Refused, new UserNamespaceLimits(15000, 0, true)));
    }

    [Fact]
    public void Other_errors_are_left_alone()
    {
        Assert.Equal("clone the container init: x", UserNamespaceRefusal.Explain("clone the container init: x", new UserNamespaceLimits(0, 2, true)));
    }

    [Fact]
    public void Seccomp_mode_is_read_from_status()
    {
        Assert.Equal(2, UserNamespaceLimits.ParseSeccompMode("Name:\tsh\nSeccomp:\t2\nSeccomp_filters:\t1\n"));
        Assert.Null(UserNamespaceLimits.ParseSeccompMode(null));
    }
}
