namespace Rlrun.Images.Registry;

/// <summary>A registry answered something other than what was asked for: the message names the
/// registry, the request and the registry's own error code.</summary>
public class RegistryException(string message) : Exception(message);

/// <summary>The registry has no such repository, tag or digest (404, NAME_UNKNOWN, MANIFEST_UNKNOWN).</summary>
public sealed class RegistryNotFoundException(string message) : RegistryException(message);

/// <summary>The registry refused the credentials, or wants some and there are none.</summary>
public sealed class RegistryAuthException(string message) : RegistryException(message);
