using System.Threading.Channels;
using Gateway.Hosting;

namespace Gateway.State;

/// <summary>
/// Writes the records that must not be lost once Sunra has been called (who owns a remix, the answer
/// kept for an idempotency key). A write the store refuses is not an error for the caller, who holds
/// a paid remix: it is kept in this process and retried in the background until the store takes it.
/// What is still unwritten when the replica stops is logged at Error, with what to restore.
/// </summary>
internal sealed partial class RecordKeeper(TimeProvider clock, ILogger<RecordKeeper> logger) : BackgroundService
{
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(15);

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Writes now, or, when the store is away, as soon as it returns.</summary>
    public async Task WriteAsync(string what, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (StateStoreUnavailableException e)
        {
            LogDeferred(what, Reason(e));
            _pending.Writer.TryWrite(new Pending(what, write));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var pending in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                await RetryUntilWrittenAsync(pending, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _pending.Writer.TryComplete();
            while (_pending.Reader.TryRead(out var unwritten))
            {
                LogUnwritten(unwritten.What);
            }
        }
    }

    private async Task RetryUntilWrittenAsync(Pending pending, CancellationToken stoppingToken)
    {
        var attempts = 0;
        while (true)
        {
            try
            {
                await Task.Delay(Backoff.Exponential(FirstWait, ++attempts, LongestWait), clock, stoppingToken);
                await pending.Write();
                LogWritten(pending.What);
                return;
            }
            catch (StateStoreUnavailableException)
            {
                // Still away: the next try waits twice as long, so a long outage is not hammered.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not the store being away: trying again would fail the same way, and must not stop the host.
                LogFailed(pending.What, e.GetType().Name);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                LogUnwritten(pending.What);
                throw;
            }
        }
    }

    private static string Reason(Exception e) => e.InnerException?.Message ?? e.Message;

    private sealed record Pending(string What, Func<Task> Write);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {What} yet ({Reason}): kept to write when the store returns")]
    private partial void LogDeferred(string what, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote what was kept: {What}")]
    private partial void LogWritten(string what);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not {What} ({Failure}). Restore it by hand")]
    private partial void LogFailed(string what, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shut down before the store took a record: {What}. Restore it by hand")]
    private partial void LogUnwritten(string what);
}
