using System.Text.Json;

namespace Sunra.Emulator;

/// <summary>
/// Why a generation failed, as Sunra reports it: the <c>error</c> of a COMPLETED status, and the
/// <c>details</c> of the result's <c>PREDICTION_FAILED</c>.
/// </summary>
public sealed record GenerationError(string Code, string Message, JsonElement? Details, DateTimeOffset Timestamp);
