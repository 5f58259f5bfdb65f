using System.Collections.Concurrent;
using Gateway.State;
using Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Custody;

/// <summary>
/// Makes the copies <see cref="VideoCustody"/> queued, on every replica: each pass looks at the oldest
/// pending copies, and a replica makes one only while it holds its lease in the store, which it renews
/// as it copies. A replica that dies mid-copy stops renewing; once the lease lapses another replica
/// takes the copy over from the start. A failed attempt is tried again with doubling waits
/// (<c>Gateway:Custody:FirstRetrySeconds</c>, up to ten minutes) until
/// <c>Gateway:Custody:GiveUpAfterHours</c>; a refusal (a host not allowed, too large, not a video) is
/// not. A copy given up is an Error log line and <c>gateway_custody_lost_total</c>, never silence.
/// </summary>
/// <remarks>
/// A copy costs Sunra one result call, within the account's budget, only when the result is not kept
/// in the store yet (a read or the webhook dispatcher usually read it first); the file itself is
/// fetched from Sunra's file host, which the account's limits do not count.
/// </remarks>
internal sealed partial class CustodyCopier(
    VideoCustody custody,
    KeptResults results,
    RemixRecords records,
    VideoSource sources,
    IVideoStorage storage,
    IStateStore store,
    IServiceScopeFactory scopes,
    IOptions<CustodySettings> settings,
    TimeProvider clock,
    CustodyMetrics metrics,
    ILogger<CustodyCopier> logger) : BackgroundService
{
    /// <summary>How many pending copies a pass looks at, oldest first.</summary>
    private const int PassSize = 100;

    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(10);

    /// <summary>The longest a single attempt may take, however slowly Sunra's host sends.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(15);

    private readonly string _replica = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, Task> _copying = new(StringComparer.Ordinal);
    private double _oldestPendingSeconds;

    private CustodyOptions Custody => settings.Value.Custody;

    private TimeSpan Lease => TimeSpan.FromSeconds(Custody.LeaseSeconds);

    // Often enough to take a lapsed lease over soon, and to honour a short first retry.
    private TimeSpan PassInterval => TimeSpan.FromSeconds(Math.Clamp(Math.Min(Custody.FirstRetrySeconds, Custody.LeaseSeconds / 2), 0.05, 5));

    /// <summary>One pass: starts the copies that are due and that no replica holds, as many as this replica's share allows.</summary>
    internal async Task PassAsync(CancellationToken stoppingToken)
    {
        var pending = await store.IndexedUpToAsync(VideoCustody.Pending, long.MaxValue, PassSize);
        var now = clock.GetUtcNow();
        _oldestPendingSeconds = pending.Count == 0 ? 0 : Math.Max(0, (now - DateTimeOffset.FromUnixTimeMilliseconds(pending[0].Score)).TotalSeconds);
        foreach (var entry in pending)
        {
            if (_copying.Count >= Custody.Concurrency)
            {
                return;
            }

            var requestId = entry.Member;
            if (_copying.ContainsKey(requestId))
            {
                continue;
            }

            var job = await custody.FindJobAsync(requestId);
            if (job is not { State: CustodyState.Pending })
            {
                // Its job ran out or was deleted with its remix: nothing left to copy.
                await store.UnindexAsync(VideoCustody.Pending, requestId);
                continue;
            }

            if (job.NextAttemptAt > now || !await store.AddAsync(LeaseKey(requestId), _replica, Lease))
            {
                continue;
            }

            // Listed before it starts, so that its end always finds itself to remove.
            var copy = new Task<Task>(() => CopyAsync(job, stoppingToken));
            _copying[requestId] = copy.Unwrap();
            copy.Start(TaskScheduler.Default);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Custody.Enabled)
        {
            return;
        }

        metrics.Observe(() => _copying.Count, () => _oldestPendingSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (StateStoreUnavailableException)
            {
                // The next pass tries again.
            }

            await custody.WaitForQueuedAsync(PassInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.WhenAll(_copying.Values);
    }

    private async Task CopyAsync(CustodyJob job, CancellationToken stoppingToken)
    {
        var requestId = job.RequestId;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        attempt.CancelAfter(AttemptTimeout);
        var lease = new LeaseWatch();
        var renewal = RenewLeaseAsync(requestId, attempt, lease);
        try
        {
            await CopyOnceAsync(job, attempt.Token);
        }
        catch (CustodyFailure failure)
        {
            await FailedAsync(job, failure);
        }
        catch (VideoStorageUnavailableException e)
        {
            await FailedAsync(job, new CustodyFailure(CustodyFailure.StorageError, e.Message, innerException: e));
        }
        catch (OperationCanceledException) when (lease.Lost)
        {
            // Lapsed (this replica stalled) and taken by another replica, which makes the copy: not a failure of the copy.
            LogLeaseLost(requestId);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            await FailedAsync(job, new CustodyFailure(CustodyFailure.SourceError, $"The copy took longer than {AttemptTimeout.TotalMinutes} minutes."));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // This replica stops: its lease lapses and another replica copies the video.
        }
        catch (StateStoreUnavailableException)
        {
            // The lease lapses; the copy is tried again by whichever replica takes it next.
        }
        catch (Exception e)
        {
            LogUnexpected(e, requestId);
        }
        finally
        {
            await attempt.CancelAsync();
            await renewal;
            await ReleaseLeaseAsync(requestId);
            _copying.TryRemove(requestId, out _);
        }
    }

    private async Task CopyOnceAsync(CustodyJob job, CancellationToken cancellationToken)
    {
        var requestId = job.RequestId;
        var read = await ReadResultAsync(requestId, cancellationToken);
        if (read is null)
        {
            // Completed without a video, canceled, or forgotten: nothing to keep.
            await EndAsync(job with { State = CustodyState.Lost, LastFailure = "The remix has no video." });
            return;
        }

        if (read.Kept is not null)
        {
            await EndAsync(job with { State = CustodyState.Kept });
            return;
        }

        var video = read.Video;
        KeptVideo kept;
        await using (var source = await sources.OpenAsync(video, cancellationToken))
        {
            await storage.SaveAsync(requestId, source, source.ContentType, cancellationToken);
            if (source.BytesRead != video.FileSize)
            {
                await storage.DeleteAsync(requestId, CancellationToken.None);
                throw new CustodyFailure(CustodyFailure.SizeMismatch, $"Sunra's file has {source.BytesRead} bytes, its file_size says {video.FileSize}.");
            }

            kept = new KeptVideo { Name = requestId, ContentType = source.ContentType, Size = source.BytesRead, Sha256 = source.Sha256(), KeptAt = clock.GetUtcNow() };
        }

        if (!await results.NoteKeptAsync(requestId, kept))
        {
            // The remix was deleted while its video was copied: the copy goes too.
            await storage.DeleteAsync(requestId, CancellationToken.None);
            await store.UnindexAsync(VideoCustody.Pending, requestId);
            return;
        }

        await records.NoteKeptAsync(requestId, kept);
        await store.IndexAsync(VideoCustody.Kept, requestId, kept.KeptAt.ToUnixTimeMilliseconds());
        await EndAsync(job with { State = CustodyState.Kept, LastFailure = null });
        metrics.Copied(kept.Size);
        var seconds = (clock.GetUtcNow() - job.Since).TotalSeconds;
        LogKept(requestId, kept.Size, kept.Sha256, seconds);
    }

    // The result as the store keeps it, read from Sunra (within the budget) when it is not kept yet;
    // null when the remix has no video.
    private async Task<KeptResult?> ReadResultAsync(string requestId, CancellationToken cancellationToken)
    {
        if (await results.FindAsync(requestId) is { } kept)
        {
            return kept;
        }

        await using var scope = scopes.CreateAsyncScope();
        var read = await scope.ServiceProvider.GetRequiredService<RemixStatuses>().ReadResultWithoutOwnershipCheckAsync(requestId, cancellationToken);
        return read.Kind switch
        {
            ResultKind.Video => await results.FindAsync(requestId) ?? new KeptResult { Video = read.SunraVideo! },
            ResultKind.Failed or ResultKind.Canceled => null,
            _ => throw new CustodyFailure(CustodyFailure.ResultUnavailable, $"The result could not be read: {read.Problem?.Detail ?? read.Kind.ToString()}"),
        };
    }

    private async Task FailedAsync(CustodyJob job, CustodyFailure failure)
    {
        metrics.Failed(failure.Reason);
        var failures = job.Failures + 1;
        var now = clock.GetUtcNow();
        if (failure.Final || now - job.Since >= TimeSpan.FromHours(Custody.GiveUpAfterHours))
        {
            metrics.Lost(failure.Reason);
            LogLost(job.RequestId, failure.Reason, failure.Message, failures);
            await TryAsync(() => EndAsync(job with { State = CustodyState.Lost, Failures = failures, LastFailure = failure.Message }));
            return;
        }

        var wait = Backoff(failures);
        LogRetry(job.RequestId, failure.Reason, failure.Message, wait.TotalSeconds);
        await TryAsync(() => custody.SaveJobAsync(job with { Failures = failures, NextAttemptAt = now + wait, LastFailure = failure.Message }));
    }

    private TimeSpan Backoff(int failures)
    {
        var wait = TimeSpan.FromSeconds(Custody.FirstRetrySeconds * Math.Pow(2, Math.Min(failures - 1, 20)));
        return wait < LongestWait ? wait : LongestWait;
    }

    private async Task EndAsync(CustodyJob job)
    {
        await custody.SaveJobAsync(job);
        await store.UnindexAsync(VideoCustody.Pending, job.RequestId);
    }

    private async Task RenewLeaseAsync(string requestId, CancellationTokenSource attempt, LeaseWatch lease)
    {
        while (!attempt.IsCancellationRequested)
        {
            await Task.Delay(Lease / 3, clock, attempt.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (attempt.IsCancellationRequested)
            {
                return;
            }

            try
            {
                if (!await store.ReplaceAsync(LeaseKey(requestId), _replica, _replica, Lease))
                {
                    // Lapsed and taken by another replica: two copies of one video would race.
                    lease.Lost = true;
                    await attempt.CancelAsync();
                }
            }
            catch (StateStoreUnavailableException)
            {
                // Renewed at the next turn, if the lease is still this replica's.
            }
        }
    }

    private async Task ReleaseLeaseAsync(string requestId) =>
        await TryAsync(() => store.ReplaceAsync(LeaseKey(requestId), _replica, null, Lease));

    private static async Task TryAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (StateStoreUnavailableException)
        {
            // The lease lapses and the job stays pending: the copy is tried again.
        }
    }

    private static string LeaseKey(string requestId) => "custody-lease:" + requestId;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The copy of remix {RequestId}'s video stopped: its lease lapsed and another replica holds it now")]
    private partial void LogLeaseLost(string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the video of remix {RequestId}: {Bytes} bytes, SHA-256 {Sha256}, {Seconds:0.0} s after it completed")]
    private partial void LogKept(string requestId, long bytes, string sha256, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The copy of remix {RequestId}'s video failed ({Reason}: {Failure}); trying again in {Seconds:0.#} s")]
    private partial void LogRetry(string requestId, string reason, string failure, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The video of remix {RequestId} was not kept ({Reason}: {Failure}, after {Failures} failed attempts): it stays only at Sunra's URL, which may expire")]
    private partial void LogLost(string requestId, string reason, string failure, int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "The copy of remix {RequestId}'s video failed unexpectedly; it is tried again once its lease lapses")]
    private partial void LogUnexpected(Exception exception, string requestId);

    /// <summary>Whether a copy's lease was found taken by another replica.</summary>
    private sealed class LeaseWatch
    {
        public volatile bool Lost;
    }
}
