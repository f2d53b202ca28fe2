using System.Text;
using Microsoft.Win32.SafeHandles;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>stdout and stderr on a terminal, written as plain fds. .NET's console stream, before its
/// first write to a terminal, initializes the console: it writes terminfo's keypad_xmit (ESC[?1h
/// ESC=: application cursor keys and keypad) to it and never writes it back, so every `rlrun list`
/// or error line in a shell left the user's terminal in that mode, as no runc or podman command does.
/// rlrun reads no keys through Console but login's password prompt, which may initialize it then.
/// rlrun and rlrun-supervisor both call <see cref="Plain"/> first thing.</summary>
public static class TerminalStdio
{
    public static void Plain()
    {
        if (TerminalCalls.isatty(1) == 1) Console.SetOut(Writer(1));
        if (TerminalCalls.isatty(2) == 1) Console.SetError(Writer(2));
    }

    /// <summary>fd 1 or 2 as a stream: the plain fd on a terminal, else the console's (which ends
    /// quietly on a closed pipe, as `| head` wants).</summary>
    public static Stream OpenStandard(int fd) =>
        TerminalCalls.isatty(fd) == 1 ? Plain(fd)
        : fd == 1 ? Console.OpenStandardOutput() : Console.OpenStandardError();

    static FileStream Plain(int fd) => new(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0);

    // Unbuffered as the console's writers are, so lines keep their order with a child's on the same fd.
    static TextWriter Writer(int fd) =>
        TextWriter.Synchronized(new StreamWriter(Plain(fd), new UTF8Encoding(false), 256) { AutoFlush = true });
}
