using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Hosting;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Remix;

/// <summary>
/// A remix's status and result, coalesced so that Sunra sees about one status call per poll interval
/// per remix however many callers poll or watch it:
/// <list type="bullet">
/// <item>a status is kept in the state store for <c>Sunra:StatusPollIntervalSeconds</c>, so every
/// replica answers from it meanwhile;</item>
/// <item>on a miss, one call to Sunra per remix is in flight on a replica (single flight): every
/// request that misses meanwhile waits for that call's answer;</item>
/// <item>a final status (COMPLETED, CANCELED) and the result are kept as long as the remix's owner
/// record: once done, reads no longer reach Sunra.</item>
/// </list>
/// A status with logs is asked of Sunra each time: logs are not kept.
/// </summary>
internal sealed class RemixStatuses(SunraQueueClient sunra, StatusFlights flights, IStateStore store, GatewayMetrics metrics)
{
    public async Task<Upstream<RemixStatus>> GetAsync(string requestId, bool logs, CancellationToken cancellationToken)
    {
        if (logs)
        {
            return await sunra.GetStatusAsync(requestId, logs: true, cancellationToken);
        }

        var kept = await store.TryGetAsync(StatusKey(requestId), RemixJsonContext.Default.RemixStatus);
        metrics.StatusRead(kept is not null);
        return kept ?? await flights.FetchAsync(requestId).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// A remix's video, or the status that has none (queued, running, canceled, or completed without
    /// success), or the problem that stopped the read: when a remix has a video is decided here for
    /// every door, which only words the answer.
    /// </summary>
    public async Task<ResultRead> ReadResultAsync(string requestId, CancellationToken cancellationToken)
    {
        var status = await GetAsync(requestId, logs: false, cancellationToken);
        if (status.Failed)
        {
            return new ResultRead(null, null, status.Problem);
        }

        if (status.Value is not { Status: RemixState.Completed, Success: not false })
        {
            return new ResultRead(null, status.Value, null);
        }

        var result = await GetResultAsync(requestId, cancellationToken);
        return new ResultRead(result.Value, null, result.Problem);
    }

    private async Task<Upstream<RemixResult>> GetResultAsync(string requestId, CancellationToken cancellationToken)
    {
        if (await store.TryGetAsync(ResultKey(requestId), RemixJsonContext.Default.RemixResult) is { } kept)
        {
            return kept;
        }

        var result = await sunra.GetResultAsync(requestId, cancellationToken);
        if (!result.Failed)
        {
            await store.TryKeepAsync(ResultKey(requestId), result.Value, RemixJsonContext.Default.RemixResult, RemixOwners.Retention);
        }

        return result;
    }

    internal static string StatusKey(string requestId) => "status:" + requestId;

    private static string ResultKey(string requestId) => "result:" + requestId;
}

/// <summary>What reading a remix's result found: its video, the status of a remix without one, or a problem.</summary>
internal readonly record struct ResultRead(RemixResult? Video, RemixStatus? WithoutVideo, GatewayProblem? Problem);

/// <summary>
/// The status calls to Sunra in flight on this replica, one per remix. A call runs in a scope of its
/// own and without any caller's cancellation, so that a caller who leaves does not cancel the answer
/// others are waiting for; its answer is kept in the store before the waiters get it.
/// </summary>
internal sealed class StatusFlights(IServiceScopeFactory scopes, IStateStore store, IOptions<SunraOptions> options)
{
    // A little less than the interval, so that a watcher polling once per interval never finds the
    // status it already had still kept, and hears of a change at most one interval late.
    private static TimeSpan KeptFor(TimeSpan interval) => interval * 0.9;

    private readonly ConcurrentDictionary<string, Lazy<Task<Upstream<RemixStatus>>>> _flights = new(StringComparer.Ordinal);

    public Task<Upstream<RemixStatus>> FetchAsync(string requestId)
    {
        Lazy<Task<Upstream<RemixStatus>>>? mine = null;
        mine = new Lazy<Task<Upstream<RemixStatus>>>(() => FlyAsync(requestId, mine!));
        return _flights.GetOrAdd(requestId, mine).Value;
    }

    private async Task<Upstream<RemixStatus>> FlyAsync(string requestId, Lazy<Task<Upstream<RemixStatus>>> flight)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var status = await scope.ServiceProvider.GetRequiredService<SunraQueueClient>().GetStatusAsync(requestId, logs: false, CancellationToken.None);
            // A slower call (on this replica or another) must not replace a final status with an older one.
            var final = !status.Failed && status.Value.Status is RemixState.Completed or RemixState.Canceled;
            if (!status.Failed && (final || await store.TryGetAsync(RemixStatuses.StatusKey(requestId), RemixJsonContext.Default.RemixStatus) is not { Status: RemixState.Completed or RemixState.Canceled }))
            {
                await store.TryKeepAsync(
                    RemixStatuses.StatusKey(requestId),
                    status.Value,
                    RemixJsonContext.Default.RemixStatus,
                    final ? RemixOwners.Retention : KeptFor(options.Value.StatusPollInterval));
            }

            return status;
        }
        finally
        {
            _flights.TryRemove(KeyValuePair.Create(requestId, flight));
        }
    }
}

/// <summary>Kept answers are an optimisation: when the store is away, Sunra is asked and nothing is kept.</summary>
internal static class KeptAnswers
{
    public static async Task<T?> TryGetAsync<T>(this IStateStore store, string key, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return await store.GetAsync(key) is { } json ? JsonSerializer.Deserialize(json, type) : null;
        }
        catch (Exception e) when (e is StateStoreUnavailableException or JsonException)
        {
            // Away, or kept by an older version in another shape: either way, a miss.
            return null;
        }
    }

    public static async Task TryKeepAsync<T>(this IStateStore store, string key, T value, JsonTypeInfo<T> type, TimeSpan timeToLive)
    {
        try
        {
            await store.SetAsync(key, JsonSerializer.Serialize(value, type), timeToLive);
        }
        catch (StateStoreUnavailableException)
        {
            // Asked of Sunra again next time.
        }
    }
}
