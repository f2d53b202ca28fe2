// Linux only: the store relies on flock, xattrs, mknod and user namespaces.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
