using System.Text.Json.Serialization;

namespace Rlrun.Images.Unpack;

/// <summary>What stage 0 asks the unpack helper to do, sent as JSON over the init socket.</summary>
public sealed class UnpackJob
{
    /// <summary>"unpack" or "remove".</summary>
    [JsonPropertyName("op")] public string Op { get; set; } = "";
    [JsonPropertyName("blob")] public string? Blob { get; set; }
    [JsonPropertyName("compression")] public string? Compression { get; set; }
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    [JsonPropertyName("debug")] public bool Debug { get; set; }
    /// <summary>Stage 0's PID: the helper stops if it is no longer its parent.</summary>
    [JsonPropertyName("parent")] public int Parent { get; set; }
}

/// <summary>The helper's answer to an unpack.</summary>
public sealed class UnpackReply
{
    [JsonPropertyName("diff_id")] public string DiffId { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
}

[JsonSerializable(typeof(UnpackJob))]
[JsonSerializable(typeof(UnpackReply))]
public sealed partial class UnpackJsonContext : JsonSerializerContext;
