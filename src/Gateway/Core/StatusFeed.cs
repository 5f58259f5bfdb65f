namespace Gateway.Core;

/// <summary>A caller's remix as a stream: its current status, whether the caller already had it as the final one, and what follows.</summary>
public sealed record StatusFeed(RemixStatus First, bool AlreadyEnded, IAsyncEnumerable<RemixStatus?> Statuses);
