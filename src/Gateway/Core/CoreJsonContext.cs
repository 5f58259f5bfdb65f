using System.Text.Json.Serialization;
using Gateway.Core.Custody;

namespace Gateway.Core;

/// <summary>The core's records as the state store keeps them, in the same snake_case as the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubmittedRemix))]
[JsonSerializable(typeof(RemixState))]
[JsonSerializable(typeof(RemixStatus))]
[JsonSerializable(typeof(KeptResult))]
[JsonSerializable(typeof(CustodyJob))]
[JsonSerializable(typeof(KeptStatus))]
[JsonSerializable(typeof(RemixRecord))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
