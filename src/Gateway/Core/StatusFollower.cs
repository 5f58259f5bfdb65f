using System.Runtime.CompilerServices;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// Follows a caller's remix from its current status to its end, for every door's stream: a status
/// each time it changes (<see cref="RemixStatus.ChangeKey"/>), a null for a heartbeat after a silence,
/// and nothing more after COMPLETED or CANCELED. Followers read the coalesced status
/// (<see cref="RemixStatuses"/>), so however many watch one remix, Sunra is asked about once per poll
/// interval. When the replica shuts down the stream ends at once, so the caller reconnects to another.
/// </summary>
internal sealed class StatusFollower(
    RemixStatuses statuses, IOptions<SunraOptions> sunra, IOptions<RemixOptions> remix, TimeProvider clock, IHostApplicationLifetime lifetime)
{
    private const int MaxFailures = 5;

    /// <param name="requestId">The remix.</param>
    /// <param name="caller">Who asks: only the owner may follow it.</param>
    /// <param name="lastSeen">The <see cref="RemixStatus.ChangeKey"/> the caller already has (a reconnect), if any.</param>
    /// <param name="cancellationToken">The caller's.</param>
    public async Task<Outcome<StatusFeed>> OpenAsync(string requestId, string caller, string? lastSeen, CancellationToken cancellationToken)
    {
        var first = await statuses.GetAsync(requestId, caller, logs: false, cancellationToken);
        return first.Failed
            ? first.FailedAs<StatusFeed>()
            : new StatusFeed(first.Value.IsFinal && lastSeen == first.Value.ChangeKey, Follow(first.Value, lastSeen, cancellationToken));
    }

    /// <remarks>
    /// An upstream failure skips a beat, with a growing wait and Sunra's Retry-After honoured. The
    /// stream ends when asking again cannot help (the remix is unknown, the gateway's key is refused)
    /// or after five failures in a row: a caller that reconnects is then told why, as a problem
    /// answer, by the first status read.
    /// </remarks>
    private async IAsyncEnumerable<RemixStatus?> Follow(RemixStatus first, string? lastSeen, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var interval = sunra.Value.StatusPollInterval;
        var heartbeat = remix.Value.EventsHeartbeat;
        var stopping = lifetime.ApplicationStopping;
        var current = first;
        var sent = lastSeen;
        var failures = 0;
        var wait = interval;
        var lastWrite = clock.GetTimestamp();
        while (true)
        {
            if (current.ChangeKey != sent)
            {
                sent = current.ChangeKey;
                lastWrite = clock.GetTimestamp();
                yield return current;
            }

            if (current.IsFinal)
            {
                yield break;
            }

            // The wait is cut into slices no longer than the heartbeat, so a long backoff or a long
            // Retry-After still keeps the stream (and the proxies on its way) alive.
            var pauseStarted = clock.GetTimestamp();
            while (clock.GetElapsedTime(pauseStarted) < wait)
            {
                var untilHeartbeat = heartbeat - clock.GetElapsedTime(lastWrite);
                var slice = wait - clock.GetElapsedTime(pauseStarted);
                if (!await PauseAsync(slice < untilHeartbeat ? slice : untilHeartbeat, stopping, cancellationToken))
                {
                    yield break;
                }

                if (clock.GetElapsedTime(lastWrite) >= heartbeat)
                {
                    lastWrite = clock.GetTimestamp();
                    yield return null;
                }
            }

            var next = await statuses.ReadWithoutOwnershipCheckAsync(current.RequestId, logs: false, cancellationToken);
            if (next.Failed)
            {
                if (next.Problem.Type == ProblemCatalog.RemixNotFound || next.Problem.Type == ProblemCatalog.UpstreamCredentials || ++failures >= MaxFailures)
                {
                    yield break;
                }

                var backoff = Backoff.Exponential(interval * 2, failures, TimeSpan.MaxValue);
                wait = next.Problem.RetryAfter is { } retryAfter && retryAfter > backoff ? retryAfter : backoff;
            }
            else
            {
                failures = 0;
                wait = interval;
                current = next.Value;
            }
        }
    }

    // False when the replica began to shut down during the pause.
    private async Task<bool> PauseAsync(TimeSpan wait, CancellationToken stopping, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero)
        {
            return !stopping.IsCancellationRequested;
        }

        try
        {
            await Task.Delay(wait, clock, stopping).WaitAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
