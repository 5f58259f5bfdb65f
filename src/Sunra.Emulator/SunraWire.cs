using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sunra.Emulator;

// The shapes Sunra puts on the wire (../shared/spec/sunra-queue-protocol.md), as the emulator writes them.

internal sealed record SubmitAnswer(
    string RequestId, string Status, int QueuePosition, string ResponseUrl, string StatusUrl, string CancelUrl);

/// <summary>Why a generation failed, as Sunra reports it in a COMPLETED status.</summary>
public sealed record GenerationError(string Code, string Message, JsonElement? Details, DateTimeOffset Timestamp);

internal sealed record VideoOutput(SunraFile Video);

internal sealed record SunraFile(string ContentType, string FileName, long FileSize, string Url);

internal sealed record CancelAnswer(string Status);

internal sealed record ErrorBody(ErrorDetail Error, DateTimeOffset Timestamp, string? RequestId);

internal sealed record ErrorDetail(string Type, string Code, string Message, JsonElement? Details);

internal sealed record InputIssue(string[] Loc, string Msg, string Type);

internal sealed record VideoToVideoInput(JsonElement? VideoId, JsonElement? Prompt);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubmitAnswer))]
[JsonSerializable(typeof(VideoOutput))]
[JsonSerializable(typeof(CancelAnswer))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(InputIssue[]))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class SunraWireJson : JsonSerializerContext;
