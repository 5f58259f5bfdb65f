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
/// Store keys: <c>custody-job:{request_id}</c> (the <see cref="CustodyJob"/>, as long as the record),
/// <c>custody:pending</c> (the copies still to make, scored by when the remix completed),
/// <c>custody:kept</c> (the kept videos, scored by when they were kept, for their retention) and
/// <c>custody-lease:{request_id}</c> (the replica making a copy).
/// </remarks>
internal sealed partial class VideoCustody(
    IStateStore store,
    IVideoStorage storage,
    KeptResults results,
    VideoLinks links,
    IOptions<CustodySettings> settings,
    IOptions<RemixOptions> options,
    TimeProvider clock,
    ILogger<VideoCustody> logger) : IDisposable
{
    internal const string Pending = "custody:pending";

    internal const string Kept = "custody:kept";

    private readonly SemaphoreSlim _queued = new(0, 1);

    public bool Enabled => settings.Value.Custody.Enabled;

    /// <summary>
    /// Queues the copy of a remix's video, unless it was queued before (by any replica): called when a
    /// poll or a callback finds the remix completed with a video, and again by any read of its result
    /// that finds it not kept yet, should the first have missed the store.
    /// </summary>
    public async Task QueueAsync(string requestId)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            var now = clock.GetUtcNow();
            var job = new CustodyJob { RequestId = requestId, Since = now, NextAttemptAt = now };
            if (await store.AddAsync(JobKey(requestId), Serialize(job), options.Value.Records.FactsRetention))
            {
                await store.IndexAsync(Pending, requestId, now.ToUnixTimeMilliseconds());
                _queued.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // The copier is already told.
        }
        catch (StateStoreUnavailableException)
        {
            LogNotQueued(requestId);
        }
    }

    /// <summary>Completes when a copy was queued on this replica, or after <paramref name="timeout"/>.</summary>
    internal Task WaitForQueuedAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _queued.WaitAsync(timeout, cancellationToken);

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
        else
        {
            await QueueAsync(requestId);
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

        return await storage.OpenAsync(kept.Name, cancellationToken) is { } content ? (kept, content) : null;
    }

    /// <summary>Removes a deleted (or expired) remix's kept video and its copy's job.</summary>
    public async Task ForgetAsync(string requestId)
    {
        await storage.DeleteAsync(requestId, CancellationToken.None);
        await Task.WhenAll(store.UnindexAsync(Pending, requestId), store.UnindexAsync(Kept, requestId), store.RemoveAsync(JobKey(requestId)));
    }

    /// <summary>
    /// Removes up to <paramref name="count"/> videos kept longer than <c>Gateway:Custody:RetentionDays</c>;
    /// their results answer Sunra's URL again. The request ids whose videos it removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> ForgetExpiredAsync(int count)
    {
        var cutoff = (clock.GetUtcNow() - TimeSpan.FromDays(settings.Value.Custody.RetentionDays)).ToUnixTimeMilliseconds();
        var expired = await store.IndexedUpToAsync(Kept, cutoff, count);
        foreach (var entry in expired)
        {
            await results.ForgetKeptAsync(entry.Member);
            await storage.DeleteAsync(entry.Member, CancellationToken.None);
            await store.UnindexAsync(Kept, entry.Member);
        }

        return [.. expired.Select(entry => entry.Member)];
    }

    public void Dispose() => _queued.Dispose();

    internal async Task<CustodyJob?> FindJobAsync(string requestId) =>
        await store.GetAsync(JobKey(requestId)) is { } json ? JsonSerializer.Deserialize(json, CoreJsonContext.Default.CustodyJob) : null;

    internal Task SaveJobAsync(CustodyJob job) =>
        store.SetAsync(JobKey(job.RequestId), Serialize(job), options.Value.Records.FactsRetention);

    private static string Serialize(CustodyJob job) => JsonSerializer.Serialize(job, CoreJsonContext.Default.CustodyJob);

    private static string JobKey(string requestId) => "custody-job:" + requestId;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not queue the copy of remix {RequestId}'s video: the store is away; the next read of its result queues it")]
    private partial void LogNotQueued(string requestId);
}
