using System.Text.Json;
using Gateway.State;
using Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Custody;

/// <summary>
/// Custody of the videos the gateway bought, as the rest of the core sees it: a remix that completes
/// with a video is queued for its copy (once, cluster-wide: a job in the state store, which
/// <see cref="CustodyCopier"/> works through on every replica); a result whose video is kept is
/// presented with the gateway's signed link instead of Sunra's URL; a deleted or expired remix loses its
/// kept video too.
/// </summary>
/// <remarks>
/// Store keys: <c>custody-job:{request_id}</c> (the <see cref="CustodyJob"/>, as long as the record: its
/// presence is what says the remix is still the gateway's), <c>custody:pending</c> (the copies still to
/// make, scored by when each may be tried next), <c>custody:queued</c> (the same copies, scored by when
/// their remix completed, for the age of the oldest), <c>custody:kept</c> (the kept videos, scored by
/// when they were kept, for their retention) and <c>custody-lease:{request_id}</c> (the replica making a
/// copy).
/// </remarks>
internal sealed partial class VideoCustody(
    IStateStore store,
    IVideoStorage storage,
    KeptResults results,
    RemixRecords records,
    VideoLinks links,
    IOptions<CustodySettings> settings,
    IOptions<RemixOptions> options,
    TimeProvider clock,
    ILogger<VideoCustody> logger) : IDisposable
{
    internal const string Pending = "custody:pending";

    internal const string Queued = "custody:queued";

    internal const string Kept = "custody:kept";

    private readonly SemaphoreSlim _queued = new(0, 1);

    public bool Enabled => settings.Value.Custody.Enabled;

    /// <summary>
    /// Queues the copy of a remix's video, unless it was queued before (by any replica): called when a
    /// poll or a callback finds the remix completed with a video, and again by any read of its result
    /// that finds it not kept yet, should the first have missed the store (a job whose index entry was
    /// lost is put back). The job's state, or null when the store is away or custody is off.
    /// </summary>
    public async Task<CustodyState?> QueueAsync(string requestId)
    {
        if (!Enabled)
        {
            return null;
        }

        try
        {
            var now = clock.GetUtcNow();
            var job = new CustodyJob { RequestId = requestId, Since = now, NextAttemptAt = now };
            if (!await store.AddAsync(JobKey(requestId), Serialize(job), options.Value.Records.FactsRetention))
            {
                job = await FindJobAsync(requestId) ?? job;

                // A copy queued within a lease's time is in hand; one pending longer may have lost its index entry.
                if (job.State != CustodyState.Pending || now - job.Since < TimeSpan.FromSeconds(settings.Value.Custody.LeaseSeconds))
                {
                    return job.State;
                }
            }

            await Task.WhenAll(
                store.IndexAsync(Pending, requestId, job.NextAttemptAt.ToUnixTimeMilliseconds()),
                store.IndexAsync(Queued, requestId, job.Since.ToUnixTimeMilliseconds()));
            WakeCopier();
            return CustodyState.Pending;
        }
        catch (StateStoreUnavailableException)
        {
            LogNotQueued(requestId);
            return null;
        }
    }

    /// <summary>Completes when a copy was queued or ended on this replica, or after <paramref name="timeout"/>.</summary>
    internal Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _queued.WaitAsync(timeout, cancellationToken);

    /// <summary>Starts the copier's next pass now: a copy was queued, or one ended and left room for the next.</summary>
    internal void WakeCopier()
    {
        if (_queued.CurrentCount == 0)
        {
            try
            {
                _queued.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another wake-up came first.
            }
        }
    }

    /// <summary>
    /// The result as a door shows it: once the video is kept, with the gateway's signed link (relative to
    /// the gateway's own address), its hash and the link's expiry; until then, Sunra's URL.
    /// </summary>
    public async Task<RemixResult> PresentAsync(string requestId, KeptResult result)
    {
        if (result.Kept is { } kept)
        {
            try
            {
                var link = await links.SignAsync(requestId);
                return new RemixResult
                {
                    Video = result.Video with
                    {
                        Url = link.RelativeUrl,
                        ContentType = kept.ContentType,
                        FileSize = kept.Size,
                        KeptByGateway = true,
                        Sha256 = kept.Sha256,
                        UrlExpiresAt = link.ExpiresAt,
                    },
                };
            }
            catch (StateStoreUnavailableException)
            {
                // The link key cannot be had: Sunra's URL is the best answer there is.
            }
        }
        else if (await QueueAsync(requestId) == CustodyState.Lost)
        {
            // Given up: this result never changes again.
            results.Settle(requestId, result);
        }

        return new RemixResult { Video = result.Video };
    }

    /// <summary>
    /// The remix's kept video, open, with what is known of it; null when there is none. Throws
    /// <see cref="StateStoreUnavailableException"/> when the store is away: a video the gateway keeps is
    /// never answered as one it does not.
    /// </summary>
    public async Task<(KeptVideo Video, Stream Content)?> OpenAsync(string requestId, CancellationToken cancellationToken)
    {
        if (await results.ReadAsync(requestId) is not { Kept: { } kept })
        {
            return null;
        }

        if (await storage.OpenAsync(kept.Name, cancellationToken) is { } content)
        {
            return (kept, content);
        }

        // Removed (by a delete or its retention) while this replica still remembered it.
        results.Unsettle(requestId);
        return null;
    }

    /// <summary>
    /// Removes a deleted (or expired) remix's kept video and its copy's job: the job first, so that a copy
    /// under way learns that its remix is gone, then the video.
    /// </summary>
    public async Task ForgetAsync(string requestId)
    {
        await Task.WhenAll(store.RemoveAsync(JobKey(requestId)), store.UnindexAsync(Pending, requestId), store.UnindexAsync(Queued, requestId));
        await storage.DeleteAsync(requestId, CancellationToken.None);
        await store.UnindexAsync(Kept, requestId);
    }

    /// <summary>
    /// Removes up to <paramref name="count"/> videos kept longer than <c>Gateway:Custody:RetentionDays</c>;
    /// their results answer Sunra's URL again and their records no longer say they are kept. The request
    /// ids whose videos it removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> ForgetExpiredAsync(int count)
    {
        var cutoff = (clock.GetUtcNow() - TimeSpan.FromDays(settings.Value.Custody.RetentionDays)).ToUnixTimeMilliseconds();
        var expired = await store.IndexedUpToAsync(Kept, cutoff, count);
        foreach (var entry in expired)
        {
            await results.ForgetKeptAsync(entry.Member);
            await records.NoteKeptAsync(entry.Member, null);
            await storage.DeleteAsync(entry.Member, CancellationToken.None);
            await store.UnindexAsync(Kept, entry.Member);
        }

        return [.. expired.Select(entry => entry.Member)];
    }

    /// <summary>The copy's job, or null when there is none (never queued, deleted, expired, or in a shape this version cannot read).</summary>
    internal async Task<CustodyJob?> FindJobAsync(string requestId)
    {
        try
        {
            return await store.GetAsync(JobKey(requestId)) is { } json && JsonSerializer.Deserialize(json, CoreJsonContext.Default.CustodyJob) is { } job
                ? job with { StoredAs = json }
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the job back only while it is still as it was read: a delete removes it, and a copy never brings it back.</summary>
    internal async Task<bool> SaveJobAsync(CustodyJob before, CustodyJob after) =>
        await store.ReplaceAsync(JobKey(before.RequestId), before.StoredAs ?? Serialize(before), Serialize(after), options.Value.Records.FactsRetention);

    public void Dispose() => _queued.Dispose();

    private static string Serialize(CustodyJob job) => JsonSerializer.Serialize(job, CoreJsonContext.Default.CustodyJob);

    private static string JobKey(string requestId) => "custody-job:" + requestId;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not queue the copy of remix {RequestId}'s video: the store is away; the next read of its result queues it")]
    private partial void LogNotQueued(string requestId);
}
