using System.Collections.Concurrent;
using Gateway.Core.Custody;
using Gateway.Problems;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// A remix's status as the gateway knows it, and the polls that keep it fresh. Every reader (a caller,
/// a stream, the webhook dispatcher) gets the latest known status at once while it is fresh
/// (<see cref="PollCadence.FreshFor"/>); a reader that finds it stale starts the remix's poll, of which
/// there is one per remix per interval across all replicas (a lease in the store) and one in flight on a
/// replica (every reader that finds it stale meanwhile waits for its answer). A poll spends the
/// account's budget and never waits for it: while the budget or Sunra's throttle holds it back, and
/// while another replica holds the lease, readers get the latest known status, with its age.
/// </summary>
/// <remarks>
/// A poll runs in a scope of its own and without any caller's cancellation, so that a caller who leaves
/// does not cancel the answer others are waiting for.
/// </remarks>
internal sealed class StatusPolls(
    IServiceScopeFactory scopes,
    IStateStore store,
    PollCadence cadence,
    FinalFacts finals,
    StatusChanges changes,
    RemixRecords records,
    VideoCustody custody,
    IOptions<RemixOptions> options,
    TimeProvider clock,
    CoreMetrics metrics)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Outcome<RemixStatus>>>> _flights = new(StringComparer.Ordinal);

    /// <summary>The remix's latest known status, polled first when it is stale and the remix's turn has come.</summary>
    public Task<Outcome<RemixStatus>> ReadAsync(string requestId, CancellationToken cancellationToken) =>
        ReadAsync(requestId, peeked: null, cancellationToken);

    /// <summary>
    /// The kept status, read from the store ahead of <see cref="ReadAsync(string, Task{ValueTuple{RemixStatus, bool}}, CancellationToken)"/>:
    /// a reader that must first check whose remix it is asks for both at once, so that its two commands
    /// share one round trip to the store. Nothing is polled.
    /// </summary>
    public Task<(RemixStatus? Status, bool Polled)> PeekAsync(string requestId) => KeptAsync(requestId);

    /// <summary>The remix's latest known status, from the kept status already <paramref name="peeked"/> at when there is one.</summary>
    public async Task<Outcome<RemixStatus>> ReadAsync(string requestId, Task<(RemixStatus? Status, bool Polled)>? peeked, CancellationToken cancellationToken)
    {
        if (finals.FinalStatusOf(requestId) is { } final)
        {
            metrics.StatusRead(kept: true);
            return final;
        }

        var (kept, polled) = await (peeked ?? KeptAsync(requestId));
        if (kept is not null && (kept.IsFinal || (polled && clock.GetUtcNow() - kept.SeenAt < cadence.FreshFor)))
        {
            metrics.StatusRead(kept: true);
            return kept;
        }

        metrics.StatusRead(kept: false);
        Lazy<Task<Outcome<RemixStatus>>>? mine = null;
        mine = new Lazy<Task<Outcome<RemixStatus>>>(() => PollAsync(requestId, kept, mine!));
        return await _flights.GetOrAdd(requestId, mine).Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Asks Sunra for the remix's status now, whatever its turn (Sunra called back: the remix has just
    /// ended); a final status already known is not asked again. The call is its own, not a reader's
    /// poll that this replica may have in flight (it may have left before the remix ended, or be held
    /// back by the polls' share of the budget), and it is urgent: it counts against the whole budget of
    /// other calls, waiting a moment for it (<see cref="SunraCallKinds.Urgent"/>).
    /// </summary>
    public async Task<Outcome<RemixStatus>> PollNowAsync(string requestId)
    {
        if (finals.FinalStatusOf(requestId) is { } final)
        {
            return final;
        }

        var (kept, _) = await KeptAsync(requestId);
        if (kept is { IsFinal: true })
        {
            return kept;
        }

        using (SunraCallKinds.Urgent())
        {
            return await AskSunraAsync(requestId, kept);
        }
    }

    /// <summary>The latest status the gateway knows, with when it was seen, without asking Sunra; null when it knows none.</summary>
    public async Task<RemixStatus?> KnownAsync(string requestId) =>
        finals.FinalStatusOf(requestId) ?? (await KeptAsync(requestId)).Status;

    /// <summary>Removes the kept status of a deleted remix (its replicas' memories are <see cref="RemixEvictions"/>' part).</summary>
    public Task ForgetAsync(string requestId) => store.RemoveAsync(Key(requestId));

    /// <summary>
    /// Keeps the status a submit was answered with. It is the latest known status until the first poll,
    /// but never fresh: the first read after a submit asks Sunra (the remix may well have started).
    /// </summary>
    /// <remarks>Nothing can be kept for the remix yet (its id was not known before this answer), so it is written without a look.</remarks>
    public Task KeepSubmittedAsync(RemixStatus status) =>
        store.TryKeepAsync(Key(status.RequestId), new KeptStatus(status, clock.GetUtcNow(), Polled: false), CoreJsonContext.Default.KeptStatus, options.Value.Records.FactsRetention);

    // A final status is never replaced: a slower poll (on this replica or another) may bring an older one.
    private async Task KeepAsync(RemixStatus status, bool polled)
    {
        if (status.IsFinal || (await KeptAsync(status.RequestId)).Status is not { IsFinal: true })
        {
            finals.Remember(status);
            await store.TryKeepAsync(Key(status.RequestId), new KeptStatus(status, clock.GetUtcNow(), polled), CoreJsonContext.Default.KeptStatus, options.Value.Records.FactsRetention);
        }

        if (status.IsFinal)
        {
            await cadence.UnfollowAsync(status.RequestId);
        }
    }

    private async Task<(RemixStatus? Status, bool Polled)> KeptAsync(string requestId)
    {
        if (await store.TryGetAsync(Key(requestId), CoreJsonContext.Default.KeptStatus) is not { } kept)
        {
            return (null, false);
        }

        var status = kept.Status with { SeenAt = kept.SeenAt };
        finals.Remember(status);
        return (status, kept.Polled);
    }

    private async Task<Outcome<RemixStatus>> PollAsync(string requestId, RemixStatus? kept, Lazy<Task<Outcome<RemixStatus>>> flight)
    {
        try
        {
            await cadence.FollowAsync(requestId);

            // Another replica polls it this interval: what is known serves meanwhile. With nothing known
            // (a record lost with the store), the reader asks Sunra, within the budget, whatever the lease.
            if (kept is not null && !await store.AddAsync(LeaseKey(requestId), "", cadence.FreshFor))
            {
                return kept;
            }

            return await AskSunraAsync(requestId, kept);
        }
        finally
        {
            _flights.TryRemove(KeyValuePair.Create(requestId, flight));
        }
    }

    // One status call to Sunra, and what it teaches: the new status is kept (and announced when it
    // changed), a refusal for the budget keeps what was known.
    private async Task<Outcome<RemixStatus>> AskSunraAsync(string requestId, RemixStatus? kept)
    {
        await using var scope = scopes.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<SunraQueueClient>().GetStatusAsync(requestId, logs: false, CancellationToken.None);
        if (report.Failed && report.Problem.Type == ProblemCatalog.UpstreamThrottled && kept is not null)
        {
            // Held back for the account's budget, or throttled: the remix keeps its turn until the budget
            // has room again (at least a second), so that its readers do not ask the budget on every read
            // meanwhile, and no longer, so that a burst of remixes that fell stale together does not lose
            // a whole interval each.
            var wait = report.Problem.RetryAfter is { } retryAfter && retryAfter < cadence.FreshFor ? retryAfter : cadence.FreshFor;
            await store.TryReplaceAsync(LeaseKey(requestId), "", wait);
            return kept;
        }

        if (report.Failed)
        {
            // Sunra failed: the poll brought no news and does not hold the remix's turn, so the next
            // reader asks again (the resilience pipeline and its circuit breaker pace those calls).
            await store.TryForgetAsync(LeaseKey(requestId));
            return report.FailedAs<RemixStatus>();
        }

        var status = RemixStatuses.StatusOf(requestId, report.Value) with { SeenAt = clock.GetUtcNow() };
        await KeepAsync(status, polled: true);

        // The record follows the state, not every poll: a write per state, not per read.
        if (status.Status != kept?.Status)
        {
            await records.NoteAsync(status);
            if (status is { Status: RemixState.Completed, Success: true })
            {
                await custody.QueueAsync(requestId);
            }
        }

        if (status.ChangeKey != kept?.ChangeKey)
        {
            await changes.AnnounceAsync(status);
        }

        return status;
    }

    private static string Key(string requestId) => "remix-status:" + requestId;

    private static string LeaseKey(string requestId) => "poll-lease:" + requestId;
}

/// <summary>A status as the store keeps it: with the moment Sunra reported it, and whether a poll did (or the submit's answer).</summary>
internal sealed record KeptStatus(RemixStatus Status, DateTimeOffset SeenAt, bool Polled);
