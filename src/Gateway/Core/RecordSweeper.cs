using Gateway.State;

namespace Gateway.Core;

/// <summary>
/// Removes the records older than <c>Gateway:Records:RetentionDays</c> with their index entries, in the
/// background, on one replica at a time: each interval, the replica that takes the sweep's lease in the
/// store sweeps. (A record itself also runs out in the store; the indexes are what need sweeping.)
/// </summary>
internal sealed partial class RecordSweeper(RemixRecords records, IStateStore store, TimeProvider clock, ILogger<RecordSweeper> logger) : BackgroundService
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

        int removed, total = 0;
        do
        {
            removed = await records.ForgetExpiredAsync(Batch);
            total += removed;
        }
        while (removed == Batch);

        if (total > 0)
        {
            LogSwept(total);
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
            catch (StateStoreUnavailableException)
            {
                // Swept at the next interval; until then the expired records are already gone from the store, only their index entries wait.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired remix records from their callers' lists")]
    private partial void LogSwept(int count);
}
