using System.Text.Json;
using System.Text.Json.Serialization;
using Rlrun.Runtime.Spec;

namespace Rlrun.UnitTests.Support;

// The System.Text.Json context rlrun read and wrote config.json with before SpecJsonReader and
// SpecJsonWriter: kept here as the reference they are compared against (SpecJsonTests).
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    // A null where the spec wants a string is a config error, not a crash later.
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(OciSpec))]
[JsonSerializable(typeof(SpecResources))]
public sealed partial class SpecJsonContext : JsonSerializerContext;
