using System.Collections.Concurrent;
using Gateway.Problems;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// The status calls to Sunra in flight on this replica, one per remix. A call runs in a scope of its
/// own and without any caller's cancellation, so that a caller who leaves does not cancel the answer
/// others are waiting for; its answer is kept in the store before the waiters get it.
/// </summary>
internal sealed class StatusFlights(IServiceScopeFactory scopes, IStateStore store, IOptions<SunraOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Outcome<RemixStatus>>>> _flights = new(StringComparer.Ordinal);

    public Task<Outcome<RemixStatus>> FetchAsync(string requestId)
    {
        Lazy<Task<Outcome<RemixStatus>>>? mine = null;
        mine = new Lazy<Task<Outcome<RemixStatus>>>(() => FlyAsync(requestId, mine!));
        return _flights.GetOrAdd(requestId, mine).Value;
    }

    // A little less than the interval, so that a watcher polling once per interval never finds the
    // status it already had still kept, and hears of a change at most one interval late.
    private static TimeSpan KeptFor(TimeSpan interval) => interval * 0.9;

    private async Task<Outcome<RemixStatus>> FlyAsync(string requestId, Lazy<Task<Outcome<RemixStatus>>> flight)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<SunraQueueClient>().GetStatusAsync(requestId, logs: false, CancellationToken.None);
            if (report.Failed)
            {
                return report.FailedAs<RemixStatus>();
            }

            // A slower call (on this replica or another) must not replace a final status with an older one.
            var status = RemixStatuses.StatusOf(requestId, report.Value);
            if (status.IsFinal || await store.TryGetAsync(RemixStatuses.StatusKey(requestId), CoreJsonContext.Default.RemixStatus) is not { IsFinal: true })
            {
                await store.TryKeepAsync(
                    RemixStatuses.StatusKey(requestId),
                    status,
                    CoreJsonContext.Default.RemixStatus,
                    status.IsFinal ? RemixOwners.Retention : KeptFor(options.Value.StatusPollInterval));
            }

            return status;
        }
        finally
        {
            _flights.TryRemove(KeyValuePair.Create(requestId, flight));
        }
    }
}
