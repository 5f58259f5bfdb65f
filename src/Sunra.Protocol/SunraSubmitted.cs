namespace Sunra.Protocol;

/// <summary>Sunra's answer to an accepted submit: the new request and where to follow it.</summary>
public sealed record SunraSubmitted
{
    /// <summary>The request's id, for every later call about it.</summary>
    public required string RequestId { get; init; }

    /// <summary>A new request is <c>IN_QUEUE</c>.</summary>
    public required string Status { get; init; }

    /// <summary>How many requests are ahead of it (0 is next).</summary>
    public required int QueuePosition { get; init; }

    /// <summary>GET the result here once COMPLETED.</summary>
    public required string ResponseUrl { get; init; }

    /// <summary>GET the status here.</summary>
    public required string StatusUrl { get; init; }

    /// <summary>PUT here to cancel.</summary>
    public required string CancelUrl { get; init; }
}
