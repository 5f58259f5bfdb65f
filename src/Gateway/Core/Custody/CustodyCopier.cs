using System.Text.Json;
using Gateway.State;
using Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Custody;

/// <summary>
/// Makes the copies <see cref="VideoCustody"/> queued, on every replica: each pass takes the pending
/// copies that are due (<c>custody:pending</c> is scored by when each may be tried next), and a replica
/// makes one only while it holds its lease in the store, which it renews as it copies. A replica that
/// dies mid-copy stops renewing; once the lease lapses another replica takes the copy over from the
/// start. A failed attempt is tried again with doubling waits (<c>Gateway:Custody:FirstRetrySeconds</c>,
/// up to ten minutes) until <c>Gateway:Custody:GiveUpAfterHours</c>; a refusal (a host not allowed, too
/// large, not a video) is not, and a file Sunra says is gone is given up after a few attempts. A copy
/// given up is an Error log line and <c>gateway_custody_lost_total</c>, never silence.
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
    /// <summary>How many due copies a pass looks at.</summary>
    private const int PassSize = 100;

    /// <summary>Attempts at a file Sunra's host says is gone (403, 404, 410) before it is reported lost.</summary>
    private const int GoneAttempts = 5;

    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(10);

    /// <summary>The longest a single attempt may take, however slowly Sunra's host sends.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(15);

    private readonly string _replica = Guid.NewGuid().ToString("N");
    private readonly Dictionary<string, Task> _copying = new(StringComparer.Ordinal);
    private double _oldestPendingSeconds;

    private CustodyOptions Custody => settings.Value.Custody;

    private TimeSpan Lease => TimeSpan.FromSeconds(Custody.LeaseSeconds);

    // Often enough to take a lapsed lease over soon, and to honour a short first retry.
    private TimeSpan PassInterval => TimeSpan.FromSeconds(Math.Clamp(Math.Min(Custody.FirstRetrySeconds, Custody.LeaseSeconds / 2), 0.05, 5));

    private int Copying
    {
        get
        {
            lock (_copying)
            {
                return _copying.Count;
            }
        }
    }

    /// <summary>One pass: starts the copies that are due and that no replica holds, as many as this replica's share allows.</summary>
    internal async Task PassAsync(CancellationToken stoppingToken)
    {
        var now = clock.GetUtcNow();
        var oldest = await store.IndexedUpToAsync(VideoCustody.Queued, long.MaxValue, 1);
        _oldestPendingSeconds = oldest.Count == 0 ? 0 : Math.Max(0, (now - DateTimeOffset.FromUnixTimeMilliseconds(oldest[0].Score)).TotalSeconds);

        var due = await store.IndexedUpToAsync(VideoCustody.Pending, now.ToUnixTimeMilliseconds(), PassSize);
        foreach (var entry in due)
        {
            var requestId = entry.Member;
            lock (_copying)
            {
                if (_copying.Count >= Custody.Concurrency)
                {
                    return;
                }

                if (_copying.ContainsKey(requestId))
                {
                    continue;
                }
            }

            if (!await store.AddAsync(LeaseKey(requestId), _replica, Lease))
            {
                continue;
            }

            // Read once the lease is this replica's: what another replica did before it is in the job.
            var job = await custody.FindJobAsync(requestId);
            if (job is not { State: CustodyState.Pending })
            {
                // Done, given up, or deleted with its remix: nothing left to copy.
                await Task.WhenAll(store.UnindexAsync(VideoCustody.Pending, requestId), store.UnindexAsync(VideoCustody.Queued, requestId), ReleaseLeaseAsync(requestId));
                continue;
            }

            // Out of the other replicas' way while this one holds it; due again when the lease would lapse.
            await store.IndexAsync(VideoCustody.Pending, requestId, (now + Lease).ToUnixTimeMilliseconds());
            Start(job, stoppingToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Custody.Enabled)
        {
            return;
        }

        metrics.Observe(() => Copying, () => _oldestPendingSeconds);
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
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(e);
            }

            await custody.WaitForWorkAsync(PassInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task[] copies;
        lock (_copying)
        {
            copies = [.. _copying.Values];
        }

        await Task.WhenAll(copies);
    }

    private void Start(CustodyJob job, CancellationToken stoppingToken)
    {
        // Listed before it starts, so that its end always finds itself to remove.
        var copy = new Task<Task>(() => CopyAsync(job, stoppingToken));
        lock (_copying)
        {
            _copying[job.RequestId] = copy.Unwrap();
        }

        copy.Start(TaskScheduler.Default);
    }

    private async Task CopyAsync(CustodyJob job, CancellationToken stoppingToken)
    {
        var requestId = job.RequestId;
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            attempt.CancelAfter(AttemptTimeout);
            var lease = new LeaseWatch(clock.GetUtcNow());
            var renewal = RenewLeaseAsync(requestId, attempt, lease);
            try
            {
                await CopyOnceAsync(job, lease, attempt.Token);
            }
            catch (Exception) when (lease.Lost)
            {
                // Another replica holds the copy now (this one stalled, or lost the store): not a failure of the copy.
                LogLeaseLost(requestId);
            }
            catch (CustodyFailure failure)
            {
                await FailedAsync(job, failure, lease);
            }
            catch (VideoStorageUnavailableException e)
            {
                await FailedAsync(job, new CustodyFailure(CustodyFailure.StorageError, e.Message, innerException: e), lease);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // This replica stops: its lease lapses and another replica copies the video.
            }
            catch (OperationCanceledException)
            {
                await FailedAsync(job, new CustodyFailure(CustodyFailure.SourceError, $"The copy took longer than {AttemptTimeout.TotalMinutes} minutes."), lease);
            }
            catch (StateStoreUnavailableException)
            {
                // The lease lapses; the copy is tried again by whichever replica takes it next.
            }
            catch (Exception e)
            {
                LogUnexpected(e, requestId);
                await FailedAsync(job, new CustodyFailure(CustodyFailure.Unexpected, e.Message, innerException: e), lease);
            }
            finally
            {
                await attempt.CancelAsync();
                await renewal;
                await ReleaseLeaseAsync(requestId);
            }
        }
        finally
        {
            lock (_copying)
            {
                _copying.Remove(requestId);
            }

            // Room for the next copy: it need not wait for the pass interval.
            custody.WakeCopier();
        }
    }

    private async Task CopyOnceAsync(CustodyJob job, LeaseWatch lease, CancellationToken cancellationToken)
    {
        var requestId = job.RequestId;
        var read = await ReadResultAsync(requestId, cancellationToken);
        if (read is null)
        {
            // Completed without a video, or canceled: nothing to keep.
            await EndAsync(job, job with { State = CustodyState.Lost, LastFailure = "The remix has no video." }, lease);
            return;
        }

        if (read.Kept is not null)
        {
            await EndAsync(job, job with { State = CustodyState.Kept }, lease);
            return;
        }

        var video = read.Video;
        KeptVideo kept;
        await using (var source = await sources.OpenAsync(video, cancellationToken))
        {
            await storage.SaveAsync(requestId, source, source.ContentType, cancellationToken);
            if (source.BytesRead != video.FileSize)
            {
                await WhileLeasedAsync(lease, requestId, () => storage.DeleteAsync(requestId, CancellationToken.None));
                throw new CustodyFailure(CustodyFailure.SizeMismatch, $"Sunra's file has {source.BytesRead} bytes, its file_size says {video.FileSize}.");
            }

            kept = new KeptVideo { Name = requestId, ContentType = source.ContentType, Size = source.BytesRead, Sha256 = source.Sha256(), KeptAt = clock.GetUtcNow() };
        }

        await results.NoteKeptAsync(requestId, video, kept);
        if (!await EndAsync(job, job with { State = CustodyState.Kept, LastFailure = null }, lease))
        {
            // The remix was deleted while its video was copied: the copy and its note go too.
            await Task.WhenAll(storage.DeleteAsync(requestId, CancellationToken.None), results.ForgetAsync(requestId));
            results.Unsettle(requestId);
            LogDeletedMeanwhile(requestId);
            return;
        }

        await records.NoteKeptAsync(requestId, kept);
        await store.IndexAsync(VideoCustody.Kept, requestId, kept.KeptAt.ToUnixTimeMilliseconds());
        metrics.Copied(kept.Size);
        var seconds = (clock.GetUtcNow() - job.Since).TotalSeconds;
        LogKept(requestId, kept.Size, kept.Sha256, seconds);
    }

    // The result as the store keeps it, read from Sunra (within the budget) when it is not kept yet;
    // null when the remix has no video.
    private async Task<KeptResult?> ReadResultAsync(string requestId, CancellationToken cancellationToken)
    {
        if (await results.ReadAsync(requestId) is { } kept)
        {
            return kept;
        }

        await using var scope = scopes.CreateAsyncScope();
        var read = await scope.ServiceProvider.GetRequiredService<RemixStatuses>().ReadResultWithoutOwnershipCheckAsync(requestId, cancellationToken);
        return read.Kind switch
        {
            ResultKind.Video => new KeptResult { Video = read.SunraVideo! },
            ResultKind.Failed or ResultKind.Canceled => null,
            _ => throw new CustodyFailure(CustodyFailure.ResultUnavailable, $"The result could not be read: {read.Problem?.Detail ?? read.Kind.ToString()}"),
        };
    }

    private async Task FailedAsync(CustodyJob job, CustodyFailure failure, LeaseWatch lease)
    {
        metrics.Failed(failure.Reason);
        var failures = job.Failures + 1;
        var now = clock.GetUtcNow();
        var final = failure.Final
            || (failure.Reason == CustodyFailure.SourceGone && failures >= GoneAttempts)
            || now - job.Since >= TimeSpan.FromHours(Custody.GiveUpAfterHours);
        try
        {
            if (final)
            {
                if (await EndAsync(job, job with { State = CustodyState.Lost, Failures = failures, LastFailure = failure.Message }, lease))
                {
                    metrics.Lost(failure.Reason);
                    LogLost(job.RequestId, failure.Reason, failure.Message, failures);
                }

                return;
            }

            var wait = Hosting.Backoff.Exponential(TimeSpan.FromSeconds(Custody.FirstRetrySeconds), failures, LongestWait);
            LogRetry(job.RequestId, failure.Reason, failure.Message, wait.TotalSeconds);
            var next = job with { Failures = failures, NextAttemptAt = now + wait, LastFailure = failure.Message };
            await WhileLeasedAsync(lease, job.RequestId, async () =>
            {
                if (await custody.SaveJobAsync(job, next))
                {
                    await store.IndexAsync(VideoCustody.Pending, job.RequestId, next.NextAttemptAt.ToUnixTimeMilliseconds());
                }
            });
        }
        catch (Exception e) when (e is StateStoreUnavailableException or OperationCanceledException)
        {
            // The store is away, or the lease is another replica's now: the job stays pending, and the
            // copy is tried again by whichever replica takes it next.
        }
    }

    /// <summary>Ends the job (kept or given up) while this replica holds its lease; false when the job is gone (deleted with its remix) or no longer this replica's.</summary>
    private async Task<bool> EndAsync(CustodyJob job, CustodyJob ended, LeaseWatch lease)
    {
        var saved = false;
        await WhileLeasedAsync(lease, job.RequestId, async () => saved = await custody.SaveJobAsync(job, ended));
        await Task.WhenAll(store.UnindexAsync(VideoCustody.Pending, job.RequestId), store.UnindexAsync(VideoCustody.Queued, job.RequestId));
        return saved;
    }

    // A write a stale holder must not make: the lease is renewed (so still this replica's) just before.
    private async Task WhileLeasedAsync(LeaseWatch lease, string requestId, Func<Task> write)
    {
        if (!lease.Lost && await store.ReplaceAsync(LeaseKey(requestId), _replica, _replica, Lease))
        {
            await write();
            return;
        }

        lease.Lost = true;
        throw new OperationCanceledException("The copy's lease is no longer this replica's.");
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
                if (await store.ReplaceAsync(LeaseKey(requestId), _replica, _replica, Lease))
                {
                    lease.RenewedAt = clock.GetUtcNow();
                    await store.IndexAsync(VideoCustody.Pending, requestId, (lease.RenewedAt + Lease).ToUnixTimeMilliseconds());
                    continue;
                }
            }
            catch (StateStoreUnavailableException) when (clock.GetUtcNow() - lease.RenewedAt < Lease)
            {
                // Renewed at the next turn, while the lease may still be this replica's.
                continue;
            }
            catch (StateStoreUnavailableException)
            {
                // Away longer than the lease: another replica may hold it by now.
            }

            // Lapsed, and maybe taken by another replica: two copies of one video would race.
            lease.Lost = true;
            await attempt.CancelAsync();
            return;
        }
    }

    private async Task ReleaseLeaseAsync(string requestId)
    {
        try
        {
            await store.ReplaceAsync(LeaseKey(requestId), _replica, null, Lease);
        }
        catch (StateStoreUnavailableException)
        {
            // It lapses by itself.
        }
    }

    private static string LeaseKey(string requestId) => "custody-lease:" + requestId;

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the video of remix {RequestId}: {Bytes} bytes, SHA-256 {Sha256}, {Seconds:0.0} s after it completed")]
    private partial void LogKept(string requestId, long bytes, string sha256, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The copy of remix {RequestId}'s video failed ({Reason}: {Failure}); trying again in {Seconds:0.#} s")]
    private partial void LogRetry(string requestId, string reason, string failure, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The video of remix {RequestId} was not kept ({Reason}: {Failure}, after {Failures} failed attempts): it stays only at Sunra's URL, which may expire")]
    private partial void LogLost(string requestId, string reason, string failure, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Remix {RequestId} was deleted while its video was copied: the copy was removed")]
    private partial void LogDeletedMeanwhile(string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The copy of remix {RequestId}'s video stopped: its lease lapsed, and another replica may hold it now")]
    private partial void LogLeaseLost(string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The copy of remix {RequestId}'s video failed unexpectedly")]
    private partial void LogUnexpected(Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A pass over the pending video copies failed; the next pass tries again")]
    private partial void LogPassFailed(Exception exception);

    /// <summary>What a copy knows of its lease: when it last renewed it, and whether it found it lost.</summary>
    private sealed class LeaseWatch(DateTimeOffset takenAt)
    {
        private volatile bool _lost;

        public DateTimeOffset RenewedAt { get; set; } = takenAt;

        public bool Lost
        {
            get => _lost;
            set => _lost = value;
        }
    }
}
