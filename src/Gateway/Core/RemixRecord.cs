using Gateway.Core.Custody;
using Gateway.Problems;

namespace Gateway.Core;

/// <summary>
/// What the gateway keeps of a remix it bought, for its caller's list: who, when and what, and how it
/// went as far as the gateway knows. Kept <c>Gateway:Records:RetentionDays</c> after the submit.
/// </summary>
public sealed record RemixRecord
{
    public required string RequestId { get; init; }

    /// <summary>The caller that bought it: the only one that sees it.</summary>
    public required string Caller { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }

    public required string VideoId { get; init; }

    /// <summary>The prompt, only when <c>Gateway:Records:KeepPrompts</c> is on.</summary>
    public string? Prompt { get; init; }

    /// <summary>The latest state the record took (the queue position is not kept: it changes too often to be worth a write).</summary>
    public required RemixState Status { get; init; }

    /// <summary>When Sunra reported <see cref="Status"/>.</summary>
    public required DateTimeOffset StatusSeenAt { get; init; }

    /// <summary>COMPLETED: whether there is a video.</summary>
    public bool? Success { get; init; }

    /// <summary>COMPLETED without success: why.</summary>
    public GenerationFailure? Error { get; init; }

    /// <summary>The gateway's own copy of the video, once custody made it: null until then (and when it could not).</summary>
    public KeptVideo? KeptVideo { get; init; }

    /// <summary>Whether <paramref name="status"/> is news to this record: a later state (a final one is never replaced).</summary>
    internal bool IsBehind(RemixStatus status) => Stage(status.Status) > Stage(Status);

    /// <summary>The record as of <paramref name="status"/>.</summary>
    internal RemixRecord With(RemixStatus status, DateTimeOffset seenAt) =>
        this with { Status = status.Status, StatusSeenAt = status.SeenAt ?? seenAt, Success = status.Success, Error = status.Error };

    private static int Stage(RemixState state) => state switch
    {
        RemixState.InQueue => 0,
        RemixState.InProgress => 1,
        _ => 2,
    };
}
