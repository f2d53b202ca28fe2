using System.Diagnostics;
using System.Text;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>A command line: program, arguments, extra environment (or only it, with ClearEnv).</summary>
public sealed record ProcSpec(string File, List<string> Args, List<KeyValuePair<string, string>>? Env = null, bool ClearEnv = false)
{
    public override string ToString() => string.Join(' ', new[] { File }.Concat(Args).Select(Quote));

    static string Quote(string a) => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'";
}

/// <summary>What a finished process did.</summary>
public sealed record ProcResult(string CommandLine, int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public ProcResult EnsureSuccess(string what)
    {
        if (ExitCode != 0 || TimedOut) throw new InvalidOperationException($"{what} failed: {this}");
        return this;
    }

    public override string ToString() =>
        $"`{CommandLine}` {(TimedOut ? "TIMED OUT (killed)" : $"exited {ExitCode}")}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>A started process: its output so far, and a bounded wait. Killed (with its tree) when
/// disposed while still running, so a hang fails a test instead of hanging CI.</summary>
public sealed class RunningProc : IDisposable
{
    readonly Process _p;
    readonly StringBuilder _out = new(), _err = new();
    readonly Thread _outPump, _errPump;
    readonly string _commandLine;
    bool _timedOut;

    internal RunningProc(Process p, string commandLine)
    {
        _p = p;
        _commandLine = commandLine;
        // Dedicated threads, not the thread pool: blocked tests would starve pool-based readers.
        _outPump = Pump(p.StandardOutput.BaseStream, _out);
        _errPump = Pump(p.StandardError.BaseStream, _err);
    }

    public int Pid => _p.Id;
    public bool HasExited => _p.HasExited;

    public string Stdout { get { lock (_out) return _out.ToString(); } }
    public string Stderr { get { lock (_err) return _err.ToString(); } }

    static Thread Pump(Stream stream, StringBuilder sink)
    {
        var t = new Thread(() =>
        {
            var decoder = Encoding.UTF8.GetDecoder();
            var bytes = new byte[4096];
            var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            try
            {
                int n;
                while ((n = stream.Read(bytes, 0, bytes.Length)) > 0)
                {
                    int c = decoder.GetChars(bytes, 0, n, chars, 0);
                    lock (sink) sink.Append(chars, 0, c);
                }
            }
            catch (Exception) { } // the pipe went away with a killed process
        }) { IsBackground = true, Name = "proc-output" };
        t.Start();
        return t;
    }

    /// <summary>Waits until the output contains TEXT; false when the process exits first or time runs out.</summary>
    public bool WaitForStdout(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Stdout.Contains(text)) return true;
            if (_p.HasExited) { _outPump.Join(500); return Stdout.Contains(text); }
            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>Waits for the exit (killing the tree after TIMEOUT), then for the end of the output.
    /// A container that outlives rlrun (create, run -d) keeps the pipes open: after the exit only a
    /// short grace is given, since rlrun's own output is in the pipe by then.</summary>
    public ProcResult Wait(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout))
        {
            _timedOut = true;
            Kill();
            _p.WaitForExit(5000);
        }
        var graceEnd = DateTime.UtcNow.AddMilliseconds(500);
        _outPump.Join(graceEnd - DateTime.UtcNow);
        var left = graceEnd - DateTime.UtcNow;
        _errPump.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        int code = _p.HasExited ? _p.ExitCode : -1;
        return new ProcResult(_commandLine, code, Stdout, Stderr, _timedOut);
    }

    public void Kill()
    {
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); } catch (Exception) { }
    }

    public void Dispose()
    {
        Kill();
        _p.Dispose();
    }
}

public static class Proc
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static RunningProc Start(ProcSpec spec, string? stdin = null, string? cwd = null)
    {
        var psi = new ProcessStartInfo(spec.File)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, WorkingDirectory = cwd ?? "/",
        };
        foreach (var a in spec.Args) psi.ArgumentList.Add(a);
        if (spec.ClearEnv) psi.Environment.Clear();
        foreach (var (k, v) in spec.Env ?? []) psi.Environment[k] = v;
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {spec}");
        var running = new RunningProc(p, spec.ToString());
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { } // it exited without reading
        return running;
    }

    public static ProcResult Run(ProcSpec spec, string? stdin = null, TimeSpan? timeout = null, string? cwd = null)
    {
        using var p = Start(spec, stdin, cwd);
        return p.Wait(timeout ?? DefaultTimeout);
    }

    public static ProcResult Run(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null, string? cwd = null) =>
        Run(new ProcSpec(file, args.ToList()), stdin, timeout, cwd);
}
