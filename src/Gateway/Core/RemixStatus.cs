using System.Text.Json.Serialization;
using Gateway.Problems;

namespace Gateway.Core;

/// <summary>The status of a remix. Which fields are present depends on <c>status</c>.</summary>
public sealed record RemixStatus
{
    public required string RequestId { get; init; }

    public required RemixState Status { get; init; }

    /// <summary>IN_QUEUE: how many requests are ahead (0 is next).</summary>
    public int? QueuePosition { get; init; }

    /// <summary>The generation's log text, when asked for.</summary>
    public string? Logs { get; init; }

    /// <summary>COMPLETED: true when there is a video to fetch; always present then.</summary>
    public bool? Success { get; init; }

    /// <summary>COMPLETED without success: why the generation failed.</summary>
    public GenerationFailure? Error { get; init; }

    /// <summary>COMPLETED: how long the generation took.</summary>
    public RemixMetrics? Metrics { get; init; }

    /// <summary>When Sunra reported this status (its age is the <c>Age</c> of a status answer); null when asked of Sunra with logs just now.</summary>
    [JsonIgnore]
    public DateTimeOffset? SeenAt { get; init; }

    /// <summary>COMPLETED or CANCELED: nothing will change any more.</summary>
    [JsonIgnore]
    public bool IsFinal => Status is RemixState.Completed or RemixState.Canceled;

    /// <summary>
    /// What tells one status from the next: its state, and its queue position while queued. A stream
    /// sends a status when this changes; the <c>/remix</c> events use it as the event id.
    /// </summary>
    [JsonIgnore]
    public string ChangeKey => Status switch
    {
        RemixState.InQueue => $"IN_QUEUE.{QueuePosition}",
        RemixState.InProgress => "IN_PROGRESS",
        RemixState.Completed => "COMPLETED",
        _ => "CANCELED",
    };
}

/// <summary>Figures of a completed generation.</summary>
public sealed record RemixMetrics
{
    /// <summary>Seconds of inference, when Sunra reports them.</summary>
    public double? InferenceTime { get; init; }
}

/// <summary>The remixed video: the model's output, the same on every door.</summary>
public sealed record RemixResult
{
    public required RemixVideo Video { get; init; }

    /// <summary>
    /// The result with the gateway's link to a kept video made absolute against the address the caller
    /// reached the gateway at (<c>https://gateway.example</c>), for clients that download it themselves.
    /// </summary>
    public RemixResult ResolvedAgainst(string origin) =>
        Video is { KeptByGateway: true, Url: ['/', ..] } ? this with { Video = Video with { Url = origin + Video.Url } } : this;
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

    /// <summary>Where the file can be downloaded from: see <c>kept_by_gateway</c>.</summary>
    public required string Url { get; init; }

    /// <summary>
    /// true: <c>url</c> is the gateway's signed link to its own copy of the video, which needs no caller
    /// key and works until <c>url_expires_at</c> (read the result again for a fresh one). false: <c>url</c>
    /// is Sunra's, until the gateway has copied the video (or when it could not).
    /// </summary>
    public bool KeptByGateway { get; init; }

    /// <summary>When kept by the gateway: the SHA-256 of the file, in hex (also its <c>ETag</c>).</summary>
    public string? Sha256 { get; init; }

    /// <summary>When kept by the gateway: when <c>url</c> stops working.</summary>
    public DateTimeOffset? UrlExpiresAt { get; init; }
}
