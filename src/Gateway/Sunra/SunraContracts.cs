using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Sunra;

// Sunra's wire shapes, as the gateway reads and writes them. Fields the gateway relies on are typed
// strictly, so a malformed answer fails to read and becomes a 502; free-form fields stay JsonElement.

/// <summary>The model input: built from the two validated fields only.</summary>
internal sealed record SunraVideoToVideoInput(string VideoId, string Prompt);

internal sealed record SunraSubmitted
{
    public string? RequestId { get; init; }

    public string? Status { get; init; }

    public int? QueuePosition { get; init; }
}

internal sealed record SunraQueueStatus
{
    public string? Status { get; init; }

    public string? RequestId { get; init; }

    public int? QueuePosition { get; init; }

    public JsonElement? Logs { get; init; }

    public SunraMetrics? Metrics { get; init; }

    public bool? Success { get; init; }

    public SunraGenerationError? Error { get; init; }
}

internal sealed record SunraMetrics(double? InferenceTime);

internal sealed record SunraGenerationError
{
    public JsonElement? Code { get; init; }

    public string? Message { get; init; }

    public JsonElement? Details { get; init; }

    public JsonElement? Timestamp { get; init; }
}

internal sealed record SunraVideoOutput(SunraFile? Video);

internal sealed record SunraFile(string? ContentType, string? FileName, long? FileSize, string? Url);

/// <summary>Both error shapes Sunra answers with: <c>{"error": {...}}</c> and the older <c>{"detail", "code"}</c>.</summary>
internal sealed record SunraErrorBody
{
    public SunraErrorDetail? Error { get; init; }

    public JsonElement? Detail { get; init; }

    public JsonElement? Message { get; init; }
}

internal sealed record SunraErrorDetail(JsonElement? Type, JsonElement? Code, string? Message, JsonElement? Details);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(SunraVideoToVideoInput))]
[JsonSerializable(typeof(SunraSubmitted))]
[JsonSerializable(typeof(SunraQueueStatus))]
[JsonSerializable(typeof(SunraVideoOutput))]
[JsonSerializable(typeof(SunraErrorBody))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonNode))]
internal sealed partial class SunraJsonContext : JsonSerializerContext;
