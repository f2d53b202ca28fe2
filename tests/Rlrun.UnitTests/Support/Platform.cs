// rlrun is Linux-only; so are its tests (Unix file modes, /proc, mkfifo).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
