using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sunra.Emulator;

/// <summary>The emulator's answer to a cancel it accepted.</summary>
internal sealed record CancelAnswer(string Status);

/// <summary>
/// What only the emulator reads and writes as JSON: the model input, and the answers that are not
/// among Sunra.Protocol's shapes. Snake_case, as everything Sunra sends.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CancelAnswer))]
[JsonSerializable(typeof(GenerationError))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
