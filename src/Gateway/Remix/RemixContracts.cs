using System.Text.Json.Serialization;
using Gateway.Core;
using Gateway.Hosting;

namespace Gateway.Remix;

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

    internal static RemixAccepted Of(SubmittedRemix remix) => new()
    {
        RequestId = remix.RequestId,
        Status = remix.Status,
        QueuePosition = remix.QueuePosition,
        StatusUrl = RemixLinks.Status(remix.RequestId),
        ResultUrl = RemixLinks.Result(remix.RequestId),
        CancelUrl = RemixLinks.Cancel(remix.RequestId),
        EventsUrl = RemixLinks.Events(remix.RequestId),
    };
}

/// <summary>A page of the caller's remixes, newest first.</summary>
public sealed record RemixPage
{
    /// <summary>The remixes of this page, newest first.</summary>
    public required IReadOnlyList<RemixSummary> Data { get; init; }

    /// <summary>Whether there are older remixes: ask for them with <c>after</c> set to <c>next</c>.</summary>
    public required bool HasMore { get; init; }

    /// <summary>The cursor of the next page (send it as <c>after</c>), or null on the last page.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string? Next { get; init; }
}

/// <summary>A remix the caller bought, as the gateway's record of it says, with the same URLs as the submit's answer.</summary>
public sealed record RemixSummary
{
    public required string RequestId { get; init; }

    /// <summary>The latest status the gateway knows (no queue position: ask the status_url for it).</summary>
    public required RemixState Status { get; init; }

    /// <summary>When Sunra reported that status.</summary>
    public required DateTimeOffset StatusSeenAt { get; init; }

    /// <summary>When the gateway submitted it.</summary>
    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>The video it remixes.</summary>
    public required string VideoId { get; init; }

    /// <summary>The prompt, only where the gateway keeps prompts (<c>Gateway:Records:KeepPrompts</c>).</summary>
    public string? Prompt { get; init; }

    /// <summary>COMPLETED: true when there is a video.</summary>
    public bool? Success { get; init; }

    /// <summary>COMPLETED without success: why the generation failed.</summary>
    public Problems.GenerationFailure? Error { get; init; }

    /// <summary>Whether the gateway keeps its own copy of the video: then the result_url answers its signed link to it.</summary>
    public bool VideoKept { get; init; }

    public required string StatusUrl { get; init; }

    public required string ResultUrl { get; init; }

    public required string CancelUrl { get; init; }

    public required string EventsUrl { get; init; }

    internal static RemixSummary Of(RemixRecord record) => new()
    {
        RequestId = record.RequestId,
        Status = record.Status,
        StatusSeenAt = record.StatusSeenAt,
        SubmittedAt = record.SubmittedAt,
        VideoId = record.VideoId,
        Prompt = record.Prompt,
        Success = record.Success,
        Error = record.Error,
        VideoKept = record.KeptVideo is not null,
        StatusUrl = RemixLinks.Status(record.RequestId),
        ResultUrl = RemixLinks.Result(record.RequestId),
        CancelUrl = RemixLinks.Cancel(record.RequestId),
        EventsUrl = RemixLinks.Events(record.RequestId),
    };
}

/// <summary>A cancellation Sunra took; the status shows CANCELED once it is done.</summary>
public sealed record RemixCancellation
{
    public required string RequestId { get; init; }

    /// <summary>Always <c>CANCELLATION_REQUESTED</c>.</summary>
    public required string Status { get; init; }

    public required string StatusUrl { get; init; }

    internal static RemixCancellation Of(string requestId) =>
        new() { RequestId = requestId, Status = "CANCELLATION_REQUESTED", StatusUrl = RemixLinks.Status(requestId) };
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
[JsonSerializable(typeof(RemixAccepted))]
[JsonSerializable(typeof(RemixStatus))]
[JsonSerializable(typeof(RemixResult))]
[JsonSerializable(typeof(RemixCancellation))]
[JsonSerializable(typeof(RemixPage))]
internal sealed partial class RemixJsonContext : JsonSerializerContext;
