using System.Text.Json.Serialization;

namespace Sunra.Protocol;

/// <summary>Sunra's shapes as JSON: snake_case, and an absent value left out unless a property says otherwise.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SunraSubmitted))]
[JsonSerializable(typeof(SunraErrorBody))]
[JsonSerializable(typeof(SunraVideoOutput))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string[]>))]
public sealed partial class SunraProtocolJsonContext : JsonSerializerContext;
