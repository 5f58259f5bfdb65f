using System.Collections.Concurrent;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// The remixes this replica's streams follow, each with one reader (<see cref="RemixWatch"/>) that all
/// its streams share: the store is read, and Sunra polled, per remix, however many streams follow it. A
/// change heard on this replica (a poll's, a callback's) reaches the streams at once, with the status;
/// one heard on another replica (<see cref="StatusChanges"/>) makes the remix's reader read the kept
/// status at once. When the replica begins to shut down, every watch ends, and every stream with it,
/// so that callers reconnect to another replica.
/// </summary>
internal sealed partial class StatusWatches
{
    private readonly ConcurrentDictionary<string, RemixWatch> _watches = new(StringComparer.Ordinal);
    private readonly StatusPolls _polls;
    private readonly StatusChanges _changes;
    private readonly PollCadence _cadence;
    private readonly SunraOptions _sunra;
    private readonly TimeProvider _clock;
    private readonly CancellationToken _stopping;
    private readonly ILogger<StatusWatches> _logger;
    private long _followers;

    public StatusWatches(
        StatusPolls polls, StatusChanges changes, PollCadence cadence, IOptions<SunraOptions> sunra, TimeProvider clock, IHostApplicationLifetime lifetime, CoreMetrics metrics, ILogger<StatusWatches> logger)
    {
        _logger = logger;
        _polls = polls;
        _changes = changes;
        _cadence = cadence;
        _sunra = sunra.Value;
        _clock = clock;
        _stopping = lifetime.ApplicationStopping;
        changes.Changed += OnChanged;
        _stopping.Register(() =>
        {
            foreach (var watch in _watches.Values)
            {
                watch.End();
            }
        });
        metrics.ObserveStreams(() => Interlocked.Read(ref _followers), () => _watches.Count);
    }

    /// <summary>The latest status this replica's streams have of the remix, if any follows it.</summary>
    public RemixStatus? Latest(string requestId) => _watches.TryGetValue(requestId, out var watch) ? watch.Look().Status : null;

    /// <summary>
    /// A new follower of the remix, from <paramref name="first"/> (a status just read, after the
    /// ownership check): the remix's watch, started now if none runs. Every follower leaves
    /// (<see cref="RemixWatch.Leave"/>); the last one to leave ends the watch.
    /// </summary>
    public RemixWatch Join(string requestId, RemixStatus first)
    {
        while (true)
        {
            var watch = _watches.GetOrAdd(requestId, id => new RemixWatch(id, this));
            if (watch.TryJoin(first))
            {
                Interlocked.Increment(ref _followers);
                if (_stopping.IsCancellationRequested)
                {
                    watch.End();
                }

                return watch;
            }

            // It ended as this follower came: it leaves the list now, if it has not yet.
            _watches.TryRemove(KeyValuePair.Create(requestId, watch));
        }
    }

    internal StatusPolls Polls => _polls;

    internal TimeProvider Clock => _clock;

    /// <summary>
    /// When a watch reads the kept status next: when it would turn stale (and the read start the remix's
    /// poll), but never sooner than the shortest poll interval. Without the other replicas' news, every
    /// shortest interval, so that their changes are found.
    /// </summary>
    internal TimeSpan NextReadIn(RemixStatus status)
    {
        var shortest = _sunra.StatusPollInterval;
        if (!_changes.Listening || status.SeenAt is not { } seenAt)
        {
            return shortest;
        }

        var untilStale = seenAt + _cadence.FreshFor - _clock.GetUtcNow();
        return untilStale > shortest ? untilStale : shortest;
    }

    /// <summary>The first wait after a failed read, doubled with every failure after it.</summary>
    internal TimeSpan FirstRetry => _sunra.StatusPollInterval * 2;

    internal void ReadFailed(string requestId, Exception exception) => LogReadFailed(requestId, exception.GetType().Name);

    internal void Left() => Interlocked.Decrement(ref _followers);

    internal void Ended(RemixWatch watch) => _watches.TryRemove(KeyValuePair.Create(watch.RequestId, watch));

    [LoggerMessage(Level = LogLevel.Error, Message = "The streams following {RequestId} ended: reading its status failed with {ExceptionType}")]
    private partial void LogReadFailed(string requestId, string exceptionType);

    private void OnChanged(string requestId, RemixStatus? status)
    {
        if (_watches.TryGetValue(requestId, out var watch))
        {
            watch.Heard(status);
        }
    }
}
