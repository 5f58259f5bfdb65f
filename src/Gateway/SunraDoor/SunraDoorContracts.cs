using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Core;
using Gateway.Problems;

namespace Gateway.SunraDoor;

/// <summary>
/// A request's status as Sunra's clients read it. COMPLETED always carries <c>success</c>: the
/// JavaScript client treats a COMPLETED status without a true <c>success</c> as a failure.
/// </summary>
public sealed record SunraStatus
{
    public required string RequestId { get; init; }

    public required RemixState Status { get; init; }

    /// <summary>IN_QUEUE: how many requests are ahead (0 is next).</summary>
    public int? QueuePosition { get; init; }

    /// <summary>The generation's log text, when asked for with <c>logs=1</c>.</summary>
    public string? Logs { get; init; }

    /// <summary>COMPLETED: true when there is a video at <c>response_url</c>.</summary>
    public bool? Success { get; init; }

    /// <summary>COMPLETED without success: why the generation failed.</summary>
    public GenerationFailure? Error { get; init; }

    /// <summary>COMPLETED: how long the generation took.</summary>
    public RemixMetrics? Metrics { get; init; }

    public required string ResponseUrl { get; init; }

    public required string StatusUrl { get; init; }

    public required string CancelUrl { get; init; }
}

/// <summary>The gateway's URLs for one request, in Sunra's layout under <c>/v1</c>, absolute as Sunra's are.</summary>
internal static class SunraLinks
{
    public static string Response(HttpRequest request, string requestId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{SunraDoorApi.Base}/queue/requests/{requestId}";

    public static string Status(HttpRequest request, string requestId) => Response(request, requestId) + "/status";

    public static string Cancel(HttpRequest request, string requestId) => Response(request, requestId) + "/cancel";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SunraStatus))]
[JsonSerializable(typeof(RemixRequest))]
[JsonSerializable(typeof(RemixResult))]
[JsonSerializable(typeof(GenerationFailure))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string[]>))]
internal sealed partial class SunraDoorJsonContext : JsonSerializerContext;
