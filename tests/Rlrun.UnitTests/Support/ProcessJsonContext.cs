using System.Text.Json.Serialization;
using Rlrun.Runtime.Spec;

namespace Rlrun.UnitTests.Support;

// The System.Text.Json context `exec --process` read process.json with before SpecJsonReader.ReadProcess:
// kept here as the reference it is compared against (ProcessJsonTests). Its options were not
// config.json's: no RespectNullableAnnotations, so a null went into a field that cannot hold one.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SpecProcess))]
public sealed partial class ProcessJsonContext : JsonSerializerContext;
