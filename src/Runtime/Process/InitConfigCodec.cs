using System.Text;
using Rlrun.Runtime.Overlay;
using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Process;

/// <summary>The config stage 0 sends the init (FRAME_CONFIG) in a compact binary form, every field
/// of <see cref="InitConfig"/> and its spec in a fixed order (CompactCodec.cs says how each is
/// written). It opens with a magic and the sender's build, read before anything else: an init of
/// another build refuses the config before it could misread a field. The round trip of a config
/// with every field set is InitConfigCodecTests; a field added to the spec types must be added here.</summary>
public static class InitConfigCodec
{
    static ReadOnlySpan<byte> Magic => "RLIC"u8;

    public static byte[] Encode(InitConfig c)
    {
        var w = new CompactWriter();
        w.Bytes(Magic);
        w.Str(c.Build);
        w.Str(c.Rootfs);
        w.Str(c.Bundle);
        w.Bool(c.NoPivot);
        w.Int(c.PreserveFds);
        w.Int(c.FifoFd);
        w.Bool(c.InUserNamespace);
        w.Bool(c.NewNetwork);
        w.Bool(c.NewIpc);
        w.Bool(c.NewCgroup);
        w.Bool(c.NewUts);
        w.Bool(c.Debug);
        w.Str(c.Id);
        w.Int(c.HostPid);
        w.Bool(c.Exec);
        if (w.Has(c.Layers)) Write(w, c.Layers!);
        Write(w, c.Spec);
        return w.ToArray();
    }

    public static InitConfig Decode(byte[] payload)
    {
        try
        {
            var r = new CompactReader(payload);
            if (r.Remaining < Magic.Length || !r.Bytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new IOException("the container init got a config it cannot read (rlrun of another build?): install rlrun and rlrun-init together");
            string build = r.Str();
            if (build != InitConfig.ThisBuild)
                throw new IOException($"the container init is of build {InitConfig.ThisBuild}, rlrun of {(build.Length > 0 ? build : "an older one")}: install rlrun and rlrun-init together");
            var c = new InitConfig
            {
                Build = build,
                Rootfs = r.Str(),
                Bundle = r.Str(),
                NoPivot = r.Bool(),
                PreserveFds = r.Int(),
                FifoFd = r.Int(),
                InUserNamespace = r.Bool(),
                NewNetwork = r.Bool(),
                NewIpc = r.Bool(),
                NewCgroup = r.Bool(),
                NewUts = r.Bool(),
                Debug = r.Bool(),
                Id = r.Str(),
                HostPid = r.Int(),
                Exec = r.Bool(),
            };
            c.Layers = r.Has() ? ReadLayers(r) : null;
            c.Spec = ReadSpec(r);
            if (r.Remaining != 0) throw new IOException($"init socket: the config has {r.Remaining} bytes too many");
            return c;
        }
        catch (EndOfStreamException) { throw CompactReader.Truncated(); }
        catch (DecoderFallbackException) { throw new IOException("init socket: the config is damaged (a string is not UTF-8)"); }
    }

    static void Write(CompactWriter w, LayeredRoot l)
    {
        w.Str(l.Driver); w.Str(l.Store); w.Strings(l.Lowers); w.Str(l.Upper); w.Str(l.Work); w.Str(l.FuseOverlayfs, optional: true);
    }

    static LayeredRoot ReadLayers(CompactReader r) => new()
    {
        Driver = r.Str(), Store = r.Str(), Lowers = r.Strings() ?? [], Upper = r.Str(), Work = r.Str(), FuseOverlayfs = r.OptStr(),
    };

    static void Write(CompactWriter w, OciSpec s)
    {
        w.Str(s.OciVersion, optional: true);
        if (w.Has(s.Process)) Write(w, s.Process!);
        if (w.Has(s.Root)) { w.Str(s.Root!.Path); w.Bool(s.Root.Readonly); }
        w.Str(s.Hostname, optional: true);
        w.Str(s.Domainname, optional: true);
        w.List(s.Mounts, static (w, m) =>
        {
            w.Str(m.Destination); w.Str(m.Type, optional: true); w.Str(m.Source, optional: true); w.Strings(m.Options);
            w.List(m.UidMappings, WriteMapping); w.List(m.GidMappings, WriteMapping);
        });
        if (w.Has(s.Hooks))
        {
            var h = s.Hooks!;
            foreach (var list in new[] { h.Prestart, h.CreateRuntime, h.CreateContainer, h.StartContainer, h.Poststart, h.Poststop })
                w.List(list, static (w, k) => { w.Str(k.Path); w.Strings(k.Args); w.Strings(k.Env); w.Opt(k.Timeout); });
        }
        w.Map(s.Annotations);
        if (w.Has(s.Linux)) Write(w, s.Linux!);
    }

    static OciSpec ReadSpec(CompactReader r)
    {
        var s = new OciSpec { OciVersion = r.OptStr() };
        if (r.Has()) s.Process = ReadProcess(r);
        if (r.Has()) s.Root = new SpecRoot { Path = r.Str(), Readonly = r.Bool() };
        s.Hostname = r.OptStr();
        s.Domainname = r.OptStr();
        s.Mounts = r.List(static r => new SpecMount
        {
            Destination = r.Str(), Type = r.OptStr(), Source = r.OptStr(), Options = r.Strings(),
            UidMappings = r.List(ReadMapping), GidMappings = r.List(ReadMapping),
        });
        if (r.Has())
        {
            static List<SpecHook>? Hooks(CompactReader r) => r.List(static r => new SpecHook
            {
                Path = r.Str(), Args = r.Strings(), Env = r.Strings(), Timeout = r.OptInt(),
            });
            s.Hooks = new SpecHooks
            {
                Prestart = Hooks(r), CreateRuntime = Hooks(r), CreateContainer = Hooks(r),
                StartContainer = Hooks(r), Poststart = Hooks(r), Poststop = Hooks(r),
            };
        }
        s.Annotations = r.Map();
        if (r.Has()) s.Linux = ReadLinux(r);
        return s;
    }

    static void Write(CompactWriter w, SpecProcess p)
    {
        w.Bool(p.Terminal);
        if (w.Has(p.ConsoleSize)) { w.UInt(p.ConsoleSize!.Height); w.UInt(p.ConsoleSize.Width); }
        w.UInt(p.User.Uid); w.UInt(p.User.Gid); w.Opt(p.User.Umask); w.UInts(p.User.AdditionalGids); w.Str(p.User.Username, optional: true);
        w.Strings(p.Args);
        w.Str(p.CommandLine, optional: true);
        w.Strings(p.Env);
        w.Str(p.Cwd);
        if (w.Has(p.Capabilities))
        {
            var c = p.Capabilities!;
            w.Strings(c.Bounding); w.Strings(c.Effective); w.Strings(c.Inheritable); w.Strings(c.Permitted); w.Strings(c.Ambient);
        }
        w.List(p.Rlimits, static (w, l) => { w.Str(l.Type); w.ULong(l.Hard); w.ULong(l.Soft); });
        w.Bool(p.NoNewPrivileges);
        w.Str(p.ApparmorProfile, optional: true);
        w.Opt(p.OomScoreAdj);
        w.Str(p.SelinuxLabel, optional: true);
    }

    static SpecProcess ReadProcess(CompactReader r)
    {
        var p = new SpecProcess { Terminal = r.Bool() };
        if (r.Has()) p.ConsoleSize = new ConsoleSize { Height = r.UInt(), Width = r.UInt() };
        p.User = new SpecUser { Uid = r.UInt(), Gid = r.UInt(), Umask = r.OptUInt(), AdditionalGids = r.UInts(), Username = r.OptStr() };
        p.Args = r.Strings();
        p.CommandLine = r.OptStr();
        p.Env = r.Strings();
        p.Cwd = r.Str();
        if (r.Has())
            p.Capabilities = new SpecCapabilities
            {
                Bounding = r.Strings(), Effective = r.Strings(), Inheritable = r.Strings(), Permitted = r.Strings(), Ambient = r.Strings(),
            };
        p.Rlimits = r.List(static r => new SpecRlimit { Type = r.Str(), Hard = r.ULong(), Soft = r.ULong() });
        p.NoNewPrivileges = r.Bool();
        p.ApparmorProfile = r.OptStr();
        p.OomScoreAdj = r.OptInt();
        p.SelinuxLabel = r.OptStr();
        return p;
    }

    static void WriteMapping(CompactWriter w, SpecIdMapping m) { w.UInt(m.ContainerID); w.UInt(m.HostID); w.UInt(m.Size); }

    static SpecIdMapping ReadMapping(CompactReader r) => new() { ContainerID = r.UInt(), HostID = r.UInt(), Size = r.UInt() };

    static void Write(CompactWriter w, SpecLinux l)
    {
        w.List(l.UidMappings, WriteMapping);
        w.List(l.GidMappings, WriteMapping);
        w.Map(l.Sysctl);
        if (w.Has(l.Resources)) SpecResourcesCodec.Write(w, l.Resources!);
        w.Str(l.CgroupsPath, optional: true);
        w.List(l.Namespaces, static (w, n) => { w.Str(n.Type); w.Str(n.Path, optional: true); });
        w.List(l.Devices, static (w, d) =>
        {
            w.Str(d.Type); w.Str(d.Path); w.Long(d.Major); w.Long(d.Minor); w.Opt(d.FileMode); w.Opt(d.Uid); w.Opt(d.Gid);
        });
        if (w.Has(l.Seccomp))
        {
            var s = l.Seccomp!;
            w.Str(s.DefaultAction); w.Opt(s.DefaultErrnoRet); w.Strings(s.Architectures); w.Strings(s.Flags);
            w.Str(s.ListenerPath, optional: true); w.Str(s.ListenerMetadata, optional: true);
            w.List(s.Syscalls, static (w, c) =>
            {
                w.Strings(c.Names); w.Str(c.Action); w.Opt(c.ErrnoRet);
                w.List(c.Args, static (w, a) => { w.UInt(a.Index); w.ULong(a.Value); w.ULong(a.ValueTwo); w.Str(a.Op); });
            });
        }
        w.Str(l.RootfsPropagation, optional: true);
        w.Strings(l.MaskedPaths);
        w.Strings(l.ReadonlyPaths);
        w.Str(l.MountLabel, optional: true);
        w.Json(l.IntelRdt);
        w.Json(l.Personality);
        w.Json(l.TimeOffsets);
    }

    static SpecLinux ReadLinux(CompactReader r)
    {
        var l = new SpecLinux { UidMappings = r.List(ReadMapping), GidMappings = r.List(ReadMapping), Sysctl = r.Map() };
        if (r.Has()) l.Resources = SpecResourcesCodec.Read(r);
        l.CgroupsPath = r.OptStr();
        l.Namespaces = r.List(static r => new SpecNamespace { Type = r.Str(), Path = r.OptStr() });
        l.Devices = r.List(static r => new SpecDevice
        {
            Type = r.Str(), Path = r.Str(), Major = r.Long(), Minor = r.Long(), FileMode = r.OptUInt(), Uid = r.OptUInt(), Gid = r.OptUInt(),
        });
        if (r.Has())
            l.Seccomp = new SpecSeccomp
            {
                DefaultAction = r.Str(), DefaultErrnoRet = r.OptUInt(), Architectures = r.Strings(), Flags = r.Strings(),
                ListenerPath = r.OptStr(), ListenerMetadata = r.OptStr(),
                Syscalls = r.List(static r => new SpecSyscall
                {
                    Names = r.Strings() ?? [], Action = r.Str(), ErrnoRet = r.OptUInt(),
                    Args = r.List(static r => new SpecSyscallArg { Index = r.UInt(), Value = r.ULong(), ValueTwo = r.ULong(), Op = r.Str() }),
                }),
            };
        l.RootfsPropagation = r.OptStr();
        l.MaskedPaths = r.Strings();
        l.ReadonlyPaths = r.Strings();
        l.MountLabel = r.OptStr();
        l.IntelRdt = r.Json();
        l.Personality = r.Json();
        l.TimeOffsets = r.Json();
        return l;
    }
}
