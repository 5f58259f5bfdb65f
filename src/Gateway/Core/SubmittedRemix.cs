namespace Gateway.Core;

/// <summary>A remix Sunra accepted, or the one an <c>Idempotency-Key</c> already bought (<see cref="Replayed"/>).</summary>
public sealed record SubmittedRemix
{
    public required string RequestId { get; init; }

    /// <summary>Where it stood when Sunra answered (a new remix is <c>IN_QUEUE</c>).</summary>
    public required RemixState Status { get; init; }

    /// <summary>How many requests were ahead of it (0 is next).</summary>
    public int? QueuePosition { get; init; }

    /// <summary>True when this repeats the answer to an earlier request with the same <c>Idempotency-Key</c>: nothing new was bought.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Replayed { get; init; }
}
