using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Remix;

/// <summary>
/// A remix to make: an earlier Sora 2 video and the prompt that changes it. Other fields are
/// ignored, as the model card's schema allows them; they are never sent to Sunra.
/// </summary>
public sealed record RemixRequest
{
    public const int PromptMaxLength = 5000;

    /// <summary>The video ID of a previous Sora 2 generation to remix.</summary>
    /// <example>video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5</example>
    [Required(AllowEmptyStrings = true, ErrorMessage = "video_id is required.")]
    [MinLength(1, ErrorMessage = "video_id must not be empty.")]
    public string? VideoId { get; init; }

    /// <summary>A text description for the remixed video: 1 to 5000 characters, counted as Unicode code points.</summary>
    /// <example>The same scene at dusk, in the rain, shot on 16 mm film</example>
    [Required(AllowEmptyStrings = true, ErrorMessage = "prompt is required.")]
    [CodePointLength(1, PromptMaxLength)]
    public string? Prompt { get; init; }

    /// <summary>
    /// Optional: where the gateway POSTs the outcome, signed with the caller's webhook secret, once the
    /// remix completes or is canceled. http or https, to a host the operators allowed.
    /// </summary>
    /// <example>https://hooks.orders.internal/remix-done</example>
    [MaxLength(Delivery.WebhookUrls.MaxLength, ErrorMessage = "webhook_url is at most 2048 characters.")]
    public string? WebhookUrl { get; init; }
}

/// <summary>What a webhook receives, signed, when its remix reaches a final state.</summary>
public sealed record RemixWebhook
{
    public required string RequestId { get; init; }

    /// <summary>COMPLETED or CANCELED.</summary>
    public required RemixState Status { get; init; }

    /// <summary>The video, when the remix completed with success.</summary>
    public RemixVideo? Video { get; init; }

    /// <summary>Why the generation failed, when it completed without success.</summary>
    public RemixError? Error { get; init; }

    /// <summary>When this attempt was sent; also in <c>X-Signature-Timestamp</c>. Signed with the body, so a receiver can refuse old replays.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>Where a remix stands in Sunra's queue.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RemixState>))]
public enum RemixState
{
    /// <summary>Waiting for a worker; <c>queue_position</c> says how many are ahead.</summary>
    [JsonStringEnumMemberName("IN_QUEUE")]
    InQueue,

    /// <summary>Being generated.</summary>
    [JsonStringEnumMemberName("IN_PROGRESS")]
    InProgress,

    /// <summary>Finished: <c>success</c> says whether there is a video, <c>error</c> why not.</summary>
    [JsonStringEnumMemberName("COMPLETED")]
    Completed,

    /// <summary>Canceled before it completed.</summary>
    [JsonStringEnumMemberName("CANCELED")]
    Canceled,
}

/// <summary>A remix Sunra accepted, with the gateway's URLs to follow it.</summary>
public sealed record RemixAccepted
{
    /// <summary>The remix's id: use it in every other route.</summary>
    public required string RequestId { get; init; }

    /// <summary>Where it stands now (a new remix is <c>IN_QUEUE</c>).</summary>
    public required RemixState Status { get; init; }

    /// <summary>How many requests are ahead of it (0 is next).</summary>
    public int? QueuePosition { get; init; }

    /// <summary>Poll this for the status.</summary>
    public required string StatusUrl { get; init; }

    /// <summary>Fetch the video here once completed.</summary>
    public required string ResultUrl { get; init; }

    /// <summary>POST here to cancel.</summary>
    public required string CancelUrl { get; init; }

    /// <summary>Server-sent events of each status change.</summary>
    public required string EventsUrl { get; init; }
}

/// <summary>The status of a remix. Which fields are present depends on <c>status</c>.</summary>
public sealed record RemixStatus
{
    public required string RequestId { get; init; }

    public required RemixState Status { get; init; }

    /// <summary>IN_QUEUE: how many requests are ahead (0 is next).</summary>
    public int? QueuePosition { get; init; }

    /// <summary>The generation's log text, when asked for with <c>?logs=true</c>.</summary>
    public string? Logs { get; init; }

    /// <summary>COMPLETED: true when there is a video to fetch.</summary>
    public bool? Success { get; init; }

    /// <summary>COMPLETED without success: why the generation failed.</summary>
    public RemixError? Error { get; init; }

    /// <summary>COMPLETED: how long the generation took.</summary>
    public RemixMetrics? Metrics { get; init; }
}

/// <summary>Why a generation failed, as Sunra reported it.</summary>
public sealed record RemixError
{
    public string? Code { get; init; }

    public required string Message { get; init; }

    public JsonElement? Details { get; init; }

    public string? Timestamp { get; init; }
}

/// <summary>Figures of a completed generation.</summary>
public sealed record RemixMetrics
{
    /// <summary>Seconds of inference, when Sunra reports them.</summary>
    public double? InferenceTime { get; init; }
}

/// <summary>The remixed video.</summary>
public sealed record RemixResult
{
    public required RemixVideo Video { get; init; }
}

/// <summary>A generated file, as Sunra stores it.</summary>
public sealed record RemixVideo
{
    /// <summary>The mime type of the file.</summary>
    public required string ContentType { get; init; }

    /// <summary>The name of the file.</summary>
    public required string FileName { get; init; }

    /// <summary>The size of the file in bytes.</summary>
    public required long FileSize { get; init; }

    /// <summary>Where the file can be downloaded from.</summary>
    public required string Url { get; init; }
}

/// <summary>A cancellation Sunra took; the status shows CANCELED once it is done.</summary>
public sealed record RemixCancellation
{
    public required string RequestId { get; init; }

    /// <summary>Always <c>CANCELLATION_REQUESTED</c>.</summary>
    public required string Status { get; init; }

    public required string StatusUrl { get; init; }
}

/// <summary>The gateway's URLs for one remix: callers never see Sunra's.</summary>
internal static class RemixLinks
{
    public static string Result(string requestId) => $"/remix/{requestId}";

    public static string Status(string requestId) => $"/remix/{requestId}/status";

    public static string Cancel(string requestId) => $"/remix/{requestId}/cancel";

    public static string Events(string requestId) => $"/remix/{requestId}/events";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RemixRequest))]
[JsonSerializable(typeof(RemixWebhook))]
[JsonSerializable(typeof(RemixAccepted))]
[JsonSerializable(typeof(RemixStatus))]
[JsonSerializable(typeof(RemixResult))]
[JsonSerializable(typeof(RemixCancellation))]
internal sealed partial class RemixJsonContext : JsonSerializerContext;
