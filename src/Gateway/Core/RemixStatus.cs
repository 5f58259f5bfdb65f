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
