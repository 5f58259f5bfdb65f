using System.Runtime.CompilerServices;
using Gateway.Problems;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// Follows a caller's remix from its current status to its end, for every door's stream: a status
/// each time it changes (<see cref="RemixStatus.ChangeKey"/>), a null for a heartbeat after a silence,
/// and nothing more after COMPLETED or CANCELED. The streams of a replica that follow one remix share
/// one reader (<see cref="StatusWatches"/>), which reads the coalesced status (<see cref="StatusPolls"/>):
/// however many watch a remix, the store is read per remix, and Sunra asked about once per poll
/// interval. When the replica shuts down the stream ends at once, so the caller reconnects to another.
/// </summary>
internal sealed class StatusFollower(
    RemixOwnership ownership, RemixStatuses statuses, StatusWatches watches, IOptions<RemixOptions> remix, TimeProvider clock)
{
    /// <param name="requestId">The remix.</param>
    /// <param name="caller">Who asks: only the owner may follow it.</param>
    /// <param name="lastSeen">The <see cref="RemixStatus.ChangeKey"/> the caller already has (a reconnect), if any.</param>
    /// <param name="cancellationToken">The caller's.</param>
    /// <remarks>A remix this replica's streams already follow starts from the status they share, without a read.</remarks>
    public async Task<Outcome<StatusFeed>> OpenAsync(string requestId, string caller, string? lastSeen, CancellationToken cancellationToken)
    {
        if (await ownership.RefusalAsync(requestId, caller) is { } refusal)
        {
            return refusal;
        }

        var first = watches.Latest(requestId) is { } shared
            ? shared
            : await statuses.ReadWithoutOwnershipCheckAsync(requestId, logs: false, cancellationToken);
        return first.Failed
            ? first.FailedAs<StatusFeed>()
            : new StatusFeed(first.Value.IsFinal && lastSeen == first.Value.ChangeKey, Follow(requestId, first.Value, lastSeen, cancellationToken));
    }

    // The follower joins the remix's watch only once the stream is written, and leaves it however the
    // stream ends (the caller gone included).
    private async IAsyncEnumerable<RemixStatus?> Follow(string requestId, RemixStatus first, string? lastSeen, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var heartbeat = remix.Value.EventsHeartbeat;
        var watch = watches.Join(requestId, first);
        try
        {
            var sent = lastSeen;
            var lastWrite = clock.GetTimestamp();
            while (true)
            {
                var (status, ended, next) = watch.Look();
                if (status!.ChangeKey != sent)
                {
                    sent = status.ChangeKey;
                    lastWrite = clock.GetTimestamp();
                    yield return status;
                }

                if (status.IsFinal || ended)
                {
                    yield break;
                }

                var untilHeartbeat = heartbeat - clock.GetElapsedTime(lastWrite);
                if (untilHeartbeat <= TimeSpan.Zero)
                {
                    lastWrite = clock.GetTimestamp();
                    yield return null;
                    continue;
                }

                // Neither the heartbeat's timeout nor the caller leaving throws here: an exception a
                // heartbeat, on every stream, would cost a busy replica more than the heartbeats do.
                await next.WaitAsync(untilHeartbeat, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            watch.Leave();
        }
    }
}
