using System.Text.Json.Serialization;
using Rlrun.Runtime.State;

namespace Rlrun.UnitTests.State;

/// <summary>System.Text.Json's reading of state.json, with the options rlrun used before StateJson
/// wrote it by hand: StateJsonTests holds the two to the same bytes.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(ContainerState))]
public sealed partial class StateJsonContext : JsonSerializerContext;
