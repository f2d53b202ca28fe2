using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

/// <summary>posix_spawn with explicit fd placement: the only way stage 0 starts processes,
/// so that which fds a child gets is decided here and nowhere else. The posix_spawn family is
/// bound here (Tmds.LibC 0.5.0 lacks it); the signal sets are Tmds.LibC's.</summary>
public static unsafe partial class SpawnCalls
{
    // glibc's posix_spawn_file_actions_t and posix_spawnattr_t are 80 and 336 bytes on x86_64.
    const int FileActionsSize = 80, AttrSize = 336;

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawn_file_actions_init(byte* actions);

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawn_file_actions_destroy(byte* actions);

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawn_file_actions_adddup2(byte* actions, int fd, int newfd);

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawnattr_init(byte* attr);

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawnattr_destroy(byte* attr);

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawnattr_setflags(byte* attr, short flags);

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawnattr_setsigdefault(byte* attr, sigset_t* sigset);

    [LibraryImport(Libc.Name)]
    private static partial int posix_spawnattr_setsigmask(byte* attr, sigset_t* sigset);

    [LibraryImport(Libc.Name, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int posix_spawn(out int pid, string path, byte* actions, byte* attr, nint* argv, nint* envp);

    const short POSIX_SPAWN_SETSIGMASK = 8, POSIX_SPAWN_SETSIGDEF = 4, POSIX_SPAWN_SETSID = 0x80;

    /// <summary>Spawns path with argv and envp. fdMap gives (fd in parent, fd in child) pairs; the child
    /// gets only those and 0-2. Signal dispositions and mask are reset, since .NET changes both.</summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        IReadOnlyList<(int From, int To)>? fdMap = null, bool newSession = false)
    {
        byte* actions = stackalloc byte[FileActionsSize];
        byte* attr = stackalloc byte[AttrSize];
        sigset_t set;
        sigset_t* sigset = &set;
        posix_spawn_file_actions_init(actions);
        posix_spawnattr_init(attr);
        using var args = new NativeStringArray(argv);
        using var env = new NativeStringArray(envp);
        try
        {
            foreach (var (from, to) in fdMap ?? [])
            {
                int rc = posix_spawn_file_actions_adddup2(actions, from, to);
                if (rc != 0) throw new SyscallException("posix_spawn_file_actions_adddup2", rc);
            }
            short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
            if (newSession) flags |= POSIX_SPAWN_SETSID;
            posix_spawnattr_setflags(attr, flags);
            LibC.sigfillset(sigset);
            posix_spawnattr_setsigdefault(attr, sigset);
            LibC.sigemptyset(sigset);
            posix_spawnattr_setsigmask(attr, sigset);
            int err = posix_spawn(out int pid, path, actions, attr, args.Pointer, env.Pointer);
            if (err != 0) throw new SyscallException("posix_spawn", err, path);
            return pid;
        }
        finally
        {
            posix_spawn_file_actions_destroy(actions);
            posix_spawnattr_destroy(attr);
        }
    }
}

/// <summary>A NULL-terminated char*[] for execve and posix_spawn.</summary>
public sealed unsafe class NativeStringArray : IDisposable
{
    readonly nint[] _items;
    readonly GCHandle _handle;

    public NativeStringArray(IReadOnlyList<string> strings)
    {
        _items = new nint[strings.Count + 1];
        for (int i = 0; i < strings.Count; i++) _items[i] = Marshal.StringToCoTaskMemUTF8(strings[i]);
        _handle = GCHandle.Alloc(_items, GCHandleType.Pinned);
    }

    public nint* Pointer => (nint*)_handle.AddrOfPinnedObject();

    public void Dispose()
    {
        for (int i = 0; i < _items.Length - 1; i++) Marshal.FreeCoTaskMem(_items[i]);
        _handle.Free();
    }
}
