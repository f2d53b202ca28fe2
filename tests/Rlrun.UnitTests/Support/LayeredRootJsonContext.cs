using System.Text.Json.Serialization;
using Rlrun.Images.Run;
using Rlrun.Runtime.Overlay;

namespace Rlrun.UnitTests.Support;

// The System.Text.Json contexts rlrun wrote layers.json and image.json with before LayeredRootJson
// and ImageContainerRecordJson: kept here as the reference those are compared against.
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LayeredRoot))]
public sealed partial class LayeredRootJsonContext : JsonSerializerContext;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ImageContainerRecord))]
public sealed partial class ImageRunJsonContext : JsonSerializerContext;
