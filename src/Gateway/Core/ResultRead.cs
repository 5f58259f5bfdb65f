using Gateway.Problems;

namespace Gateway.Core;

/// <summary>What a result read found.</summary>
public enum ResultKind
{
    /// <summary>The remix completed with a video.</summary>
    Video,

    /// <summary>Still queued or running: ask again later.</summary>
    NotFinished,

    /// <summary>Completed without a video: the status's error says why.</summary>
    Failed,

    /// <summary>Canceled: there will be no video.</summary>
    Canceled,

    /// <summary>The read itself failed, or the remix is not the caller's: see the problem.</summary>
    Refused,
}

/// <summary>
/// What reading a remix's result found: its kind, the status that decided it, the video (with the gateway's
/// link, relative to its own address, once custody kept it), or the problem.
/// </summary>
public sealed record ResultRead(ResultKind Kind, RemixStatus? Status, RemixResult? Result, Problem? Problem)
{
    /// <summary>When a remix that has not finished is worth asking about again: the status is not news sooner.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The video as Sunra gave it, its URL Sunra's, for a message sent outside a request (a webhook), which
    /// has no address of the gateway's to resolve a link to the kept copy against.
    /// </summary>
    public RemixVideo? SunraVideo { get; init; }

    internal static ResultRead Refused(Problem problem) => new(ResultKind.Refused, null, null, problem);
}
