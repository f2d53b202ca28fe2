using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Spec;

public class SpecValidatorTests
{
    const string Name = "bundle/config.json";

    // Each rule: a change to an otherwise valid config, and the field the error must name.
    static readonly Dictionary<string, (Action<OciSpec> Break, string Field)> Rules = new()
    {
        ["no ociVersion"] = (s => s.OciVersion = null, "ociVersion"),
        ["empty ociVersion"] = (s => s.OciVersion = "", "ociVersion"),
        ["no root"] = (s => s.Root = null, "root.path"),
        ["empty root.path"] = (s => s.Root!.Path = "", "root.path"),
        ["no args"] = (s => s.Process!.Args = null, "process.args"),
        ["empty args"] = (s => s.Process!.Args = [], "process.args"),
        ["empty args[0]"] = (s => s.Process!.Args = ["", "x"], "process.args[0]"),
        ["relative cwd"] = (s => s.Process!.Cwd = "home/user", "process.cwd"),
        ["env without ="] = (s => s.Process!.Env = ["A=1", "JUSTANAME"], "process.env[1]"),
        ["unknown rlimit"] = (s => s.Process!.Rlimits = [new() { Type = "RLIMIT_NOFILE", Soft = 1, Hard = 1 }, new() { Type = "RLIMIT_BOGUS" }], "process.rlimits[1].type"),
        ["soft above hard"] = (s => s.Process!.Rlimits = [new() { Type = "RLIMIT_NOFILE", Soft = 2048, Hard = 1024 }], "process.rlimits[0]"),
        ["oomScoreAdj too high"] = (s => s.Process!.OomScoreAdj = 1001, "process.oomScoreAdj"),
        ["oomScoreAdj too low"] = (s => s.Process!.OomScoreAdj = -1001, "process.oomScoreAdj"),
        ["relative mount destination"] = (s => s.Mounts![2].Destination = "dev/pts", "mounts[2].destination"),
        ["empty mount destination"] = (s => s.Mounts![0].Destination = "", "mounts[0].destination"),
        ["unknown namespace"] = (s => s.Linux!.Namespaces!.Add(new() { Type = "net" }), "linux.namespaces[6].type"),
        ["duplicate namespace"] = (s => s.Linux!.Namespaces!.Add(new() { Type = "pid", Path = "/proc/1/ns/pid" }), "linux.namespaces[6].type"),
        ["relative namespace path"] = (s => s.Linux!.Namespaces![1].Path = "proc/1/ns/net", "linux.namespaces[1].path"),
        ["hostname without uts"] = (s => s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts"), "hostname"),
        ["uid mappings without user ns"] = (s => s.Linux!.UidMappings = [new() { ContainerID = 0, HostID = 1000, Size = 1 }], "linux.uidMappings"),
        ["gid mappings without user ns"] = (s => s.Linux!.GidMappings = [new() { ContainerID = 0, HostID = 1000, Size = 1 }], "linux.gidMappings"),
        ["zero-size uid mapping"] = (s => { WithUserNs(s); s.Linux!.UidMappings = [new() { HostID = 1000, Size = 0 }]; }, "linux.uidMappings[0].size"),
        ["zero-size gid mapping"] = (s => { WithUserNs(s); s.Linux!.GidMappings = [new() { HostID = 1000, Size = 1 }, new() { ContainerID = 1, HostID = 100000, Size = 0 }]; }, "linux.gidMappings[1].size"),
        ["device outside /dev"] = (s => s.Linux!.Devices = [new() { Type = "c", Path = "/tmp/null", Major = 1, Minor = 3 }], "linux.devices[0].path"),
        ["device at /devices"] = (s => s.Linux!.Devices = [new() { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229 }, new() { Type = "c", Path = "/devices/x" }], "linux.devices[1].path"),
        ["unknown device type"] = (s => s.Linux!.Devices = [new() { Type = "x", Path = "/dev/x" }], "linux.devices[0].type"),
        ["unknown rootfsPropagation"] = (s => s.Linux!.RootfsPropagation = "sideways", "linux.rootfsPropagation"),
    };

    public static TheoryData<string> RuleNames() => new(Rules.Keys);

    static void WithUserNs(OciSpec s) => s.Linux!.Namespaces!.Add(new() { Type = "user" });

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Each_rule_rejects_the_config_naming_the_file_and_field(string rule)
    {
        var (breakIt, field) = Rules[rule];
        var spec = DefaultSpec.Create(false);
        SpecValidator.Validate(spec, Name); // valid before the change

        breakIt(spec);

        var e = Assert.Throws<SpecError>(() => SpecValidator.Validate(spec, Name));
        Assert.StartsWith($"{Name}: field {field}: ", e.Message);
    }

    [Fact]
    public void A_duplicate_namespace_says_it_is_given_twice()
    {
        var spec = Specs.Minimal("mount", "ipc", "mount");
        var e = Assert.Throws<SpecError>(() => SpecValidator.Validate(spec, Name));
        Assert.Equal($"{Name}: field linux.namespaces[2].type: namespace \"mount\" given twice", e.Message);
    }

    [Fact]
    public void Relative_cwd_error_quotes_the_value()
    {
        var spec = Specs.Minimal();
        spec.Process!.Cwd = "work";
        var e = Assert.Throws<SpecError>(() => SpecValidator.Validate(spec, Name));
        Assert.Contains("\"work\"", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_default_configs_are_valid(bool rootless)
    {
        var ex = Record.Exception(() => SpecValidator.Validate(DefaultSpec.Create(rootless), Name));
        Assert.Null(ex);
    }

    [Fact]
    public void A_config_without_process_is_valid()
    {
        // Hooks-only and `create` then `exec` configs may omit process.
        var spec = Specs.Minimal("mount");
        spec.Process = null;
        Assert.Null(Record.Exception(() => SpecValidator.Validate(spec, Name)));
    }

    [Fact]
    public void Accepted_variants_pass()
    {
        var spec = DefaultSpec.Create(true);
        spec.Linux!.RootfsPropagation = "rslave";
        spec.Linux.UidMappings = [new() { ContainerID = 0, HostID = 1000, Size = 1 }];
        spec.Linux.GidMappings = [new() { ContainerID = 0, HostID = 1000, Size = 1 }];
        spec.Linux.Devices = [new() { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229 }];
        spec.Linux.Namespaces![1].Path = "/proc/1/ns/net";
        spec.Process!.Rlimits = [new() { Type = "RLIMIT_NPROC", Soft = 10, Hard = 10 }];
        spec.Process.OomScoreAdj = -1000;
        Assert.Null(Record.Exception(() => SpecValidator.Validate(spec, Name)));
    }
}
