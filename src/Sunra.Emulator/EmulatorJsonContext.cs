using System.Text.Json;
using System.Text.Json.Serialization;
using Sunra.Protocol;

namespace Sunra.Emulator;

/// <summary>The emulator's answer to a cancel it accepted.</summary>
internal sealed record CancelAnswer(string Status);

/// <summary>
/// Sunra's webhook callback, POSTed when a request ends: <c>OK</c> with the result as <c>payload</c>, or
/// <c>ERROR</c> with the <c>error</c> and a <c>payload</c> of null.
/// </summary>
internal sealed record WebhookCallbackBody(
    string Status,
    string RequestId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] SunraVideoOutput? Payload,
    GenerationError? Error);

/// <summary>
/// What only the emulator reads and writes as JSON: the model input, the answers that are not among
/// Sunra.Protocol's shapes, and the webhook callback. Snake_case, as everything Sunra sends.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CancelAnswer))]
[JsonSerializable(typeof(GenerationError))]
[JsonSerializable(typeof(WebhookCallbackBody))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
