using Gateway.Core.Custody;
using Gateway.State;
using Gateway.Storage;

namespace Gateway.Core;

/// <summary>
/// Removes the records older than <c>Gateway:Records:RetentionDays</c> with their index entries and kept
/// videos, and the videos kept longer than <c>Gateway:Custody:RetentionDays</c>, in the background, on
/// one replica at a time: each interval, the replica that takes the sweep's lease in the store sweeps.
/// (A record itself also runs out in the store; the indexes and the videos are what need sweeping.)
/// </summary>
internal sealed partial class RecordSweeper(
    RemixRecords records, VideoCustody custody, RemixEvictions evictions, IStateStore store, TimeProvider clock, ILogger<RecordSweeper> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private const string LeaseKey = "records:sweep-lease";

    private const int Batch = 500;

    private readonly string _replica = Guid.NewGuid().ToString("N");

    /// <summary>Sweeps now if no replica has this interval; true when this one swept.</summary>
    public async Task<bool> SweepAsync()
    {
        if (!await store.AddAsync(LeaseKey, _replica, Interval - TimeSpan.FromSeconds(1)))
        {
            return false;
        }

        // A record goes only once its video is gone: should the storage fail halfway, the next sweep
        // finds the rest of the batch still indexed.
        IReadOnlyList<(string RequestId, string Caller)> removed;
        var total = 0;
        do
        {
            removed = await records.ExpiredAsync(Batch);
            foreach (var (requestId, caller) in removed)
            {
                await custody.ForgetAsync(requestId);
                await records.ForgetAsync(requestId, caller);
            }

            total += removed.Count;
        }
        while (removed.Count == Batch);

        // Every replica drops the expired videos' results it holds in memory: they answer Sunra's URL again.
        IReadOnlyList<string> videos;
        var totalVideos = 0;
        do
        {
            videos = await custody.ForgetExpiredAsync(Batch);
            foreach (var requestId in videos)
            {
                await evictions.AnnounceAsync(requestId);
            }

            totalVideos += videos.Count;
        }
        while (videos.Count == Batch);

        if (total > 0 || totalVideos > 0)
        {
            LogSwept(total, totalVideos);
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(Interval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await SweepAsync();
            }
            catch (Exception e) when (e is StateStoreUnavailableException or VideoStorageUnavailableException)
            {
                // Swept at the next interval; until then the expired records are already gone from the store, only their index entries (and videos) wait.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The sweep of expired records and videos failed; the next interval tries again")]
    private partial void LogSweepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired remix records from their callers' lists, and {Videos} kept videos past their retention")]
    private partial void LogSwept(int count, int videos);
}
