using System.Text.Json.Serialization;

namespace Gateway.Core;

/// <summary>The core's records as the state store keeps them, in the same snake_case as the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubmittedRemix))]
[JsonSerializable(typeof(RemixState))]
[JsonSerializable(typeof(RemixStatus))]
[JsonSerializable(typeof(RemixResult))]
[JsonSerializable(typeof(KeptStatus))]
[JsonSerializable(typeof(RemixRecord))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
