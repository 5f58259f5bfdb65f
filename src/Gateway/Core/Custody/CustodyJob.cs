using System.Text.Json.Serialization;

namespace Gateway.Core.Custody;

/// <summary>
/// The copy of one remix's video, as the state store keeps it (<c>custody-job:{request_id}</c>): one per
/// remix, cluster-wide, made when the remix completes with a video and kept as long as the remix's
/// record, so that the copy is never made twice.
/// </summary>
internal sealed record CustodyJob
{
    public required string RequestId { get; init; }

    /// <summary>When the remix was found completed: the age of a pending copy runs from here.</summary>
    public required DateTimeOffset Since { get; init; }

    public CustodyState State { get; init; }

    /// <summary>How many attempts failed.</summary>
    public int Failures { get; init; }

    /// <summary>When a pending copy may be tried again.</summary>
    public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>Why the last attempt failed, or why the copy was given up.</summary>
    public string? LastFailure { get; init; }

    /// <summary>The job as the store holds it, when read from there: what a write of it compares against.</summary>
    [JsonIgnore]
    internal string? StoredAs { get; init; }
}

internal enum CustodyState
{
    Pending,
    Kept,

    /// <summary>Given up: refused (too large, not a video, a host not allowed) or failing past <c>Gateway:Custody:GiveUpAfterHours</c>.</summary>
    Lost,
}
