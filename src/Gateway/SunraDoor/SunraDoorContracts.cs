using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Core;
using Gateway.Problems;

namespace Gateway.SunraDoor;

/// <summary>Sunra's answer to a submit, with the gateway's URLs in place of Sunra's.</summary>
public sealed record SunraSubmitted
{
    public required string RequestId { get; init; }

    /// <summary>A new request is <c>IN_QUEUE</c>.</summary>
    public required RemixState Status { get; init; }

    /// <summary>How many requests are ahead of it (0 is next).</summary>
    public int? QueuePosition { get; init; }

    /// <summary>GET the result here once COMPLETED.</summary>
    public required string ResponseUrl { get; init; }

    /// <summary>GET the status here.</summary>
    public required string StatusUrl { get; init; }

    /// <summary>PUT here to cancel.</summary>
    public required string CancelUrl { get; init; }
}

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

/// <summary>Sunra's error body, which its clients read for the message, type and code of a failure.</summary>
public sealed record SunraErrorBody
{
    public required SunraErrorDetail Error { get; init; }

    /// <summary>When the gateway answered, ISO 8601.</summary>
    public required string Timestamp { get; init; }

    /// <summary>The gateway's id of this HTTP call, also in the <c>x-request-id</c> header.</summary>
    public required string RequestId { get; init; }
}

public sealed record SunraErrorDetail
{
    /// <summary>The kind of failure, e.g. <c>invalid_request_error</c>, <c>not_found_error</c>, <c>rate_limit_error</c>.</summary>
    public required string Type { get; init; }

    /// <summary>What went wrong, e.g. <c>INVALID_REQUEST</c>, <c>REMIX_NOT_FOUND</c>, <c>PREDICTION_FAILED</c>.</summary>
    public required string Code { get; init; }

    public required string Message { get; init; }

    /// <summary>The fields at fault, or the generation's error for <c>PREDICTION_FAILED</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public JsonElement? Details { get; init; }
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
[JsonSerializable(typeof(SunraSubmitted))]
[JsonSerializable(typeof(SunraStatus))]
[JsonSerializable(typeof(SunraErrorBody))]
[JsonSerializable(typeof(RemixRequest))]
[JsonSerializable(typeof(RemixResult))]
[JsonSerializable(typeof(GenerationFailure))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string[]>))]
internal sealed partial class SunraDoorJsonContext : JsonSerializerContext;
