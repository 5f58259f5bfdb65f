namespace Gateway.Core;

/// <summary>A caller's remix as a stream: whether the caller already had its final status, and the statuses from the current one on.</summary>
public sealed record StatusFeed(bool AlreadyEnded, IAsyncEnumerable<RemixStatus?> Statuses);
