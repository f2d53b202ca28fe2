namespace Rlrun.Runtime.Spec;

/// <summary>A config.json that cannot be used, with the file and (where known) the field or line.</summary>
public sealed class SpecError(string message) : Exception(message);
