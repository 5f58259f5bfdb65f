using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Sunra;

// What the gateway sends Sunra, and Sunra's answers as the gateway reads them: leniently, every field
// optional, since Sunra's answers come in older shapes too. What the gateway relies on is checked when
// an answer is turned into facts (SunraFacts.cs); a malformed answer then becomes a 502.

/// <summary>The model input: built from the two validated fields only.</summary>
internal sealed record SunraVideoToVideoInput(string VideoId, string Prompt);

internal sealed record SubmitReply
{
    public string? RequestId { get; init; }

    public string? Status { get; init; }

    public int? QueuePosition { get; init; }
}

internal sealed record StatusReply
{
    public string? Status { get; init; }

    public string? RequestId { get; init; }

    public int? QueuePosition { get; init; }

    public JsonElement? Logs { get; init; }

    public MetricsReply? Metrics { get; init; }

    public bool? Success { get; init; }

    public GenerationErrorReply? Error { get; init; }
}

internal sealed record MetricsReply(double? InferenceTime);

internal sealed record GenerationErrorReply
{
    public JsonElement? Code { get; init; }

    public string? Message { get; init; }

    public JsonElement? Details { get; init; }

    public JsonElement? Timestamp { get; init; }
}

internal sealed record ResultReply(FileReply? Video);

internal sealed record FileReply(string? ContentType, string? FileName, long? FileSize, string? Url);

/// <summary>Both error shapes Sunra answers with: <c>{"error": {...}}</c> and the older <c>{"detail", "code"}</c>.</summary>
internal sealed record ErrorReply
{
    public ErrorReplyDetail? Error { get; init; }

    public JsonElement? Detail { get; init; }

    public JsonElement? Message { get; init; }
}

internal sealed record ErrorReplyDetail(JsonElement? Type, JsonElement? Code, string? Message, JsonElement? Details);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(SunraVideoToVideoInput))]
[JsonSerializable(typeof(SubmitReply))]
[JsonSerializable(typeof(StatusReply))]
[JsonSerializable(typeof(ResultReply))]
[JsonSerializable(typeof(ErrorReply))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonNode))]
internal sealed partial class SunraJsonContext : JsonSerializerContext;
