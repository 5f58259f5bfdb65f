using System.Text.Json;
using Gateway.State;
using Gateway.Sunra;

namespace Gateway.Remix;

/// <summary>
/// A remix's status: from the state store once it is final (COMPLETED or CANCELED never change, so
/// any replica answers those without asking Sunra), from Sunra before that.
/// </summary>
internal sealed class RemixStatuses(SunraQueueClient sunra, IStateStore store)
{
    /// <summary>How long a final status is kept.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    public async Task<Upstream<RemixStatus>> GetAsync(string requestId, bool logs, CancellationToken cancellationToken)
    {
        // Logs are not kept: a caller that asks for them is asking Sunra.
        if (!logs && await CachedAsync(requestId) is { } cached)
        {
            return cached;
        }

        var status = await sunra.GetStatusAsync(requestId, logs, cancellationToken);
        if (!status.Failed && status.Value.Status is RemixState.Completed or RemixState.Canceled)
        {
            await KeepAsync(status.Value with { Logs = null });
        }

        return status;
    }

    // The cache is an optimisation: when the store is away, Sunra is asked and nothing is kept.
    private async Task<RemixStatus?> CachedAsync(string requestId)
    {
        try
        {
            return await store.GetAsync(Key(requestId)) is { } json ? JsonSerializer.Deserialize(json, RemixJsonContext.Default.RemixStatus) : null;
        }
        catch (StateStoreUnavailableException)
        {
            return null;
        }
    }

    private async Task KeepAsync(RemixStatus status)
    {
        try
        {
            await store.SetAsync(Key(status.RequestId), JsonSerializer.Serialize(status, RemixJsonContext.Default.RemixStatus), Retention);
        }
        catch (StateStoreUnavailableException)
        {
            // Asked again next time.
        }
    }

    private static string Key(string requestId) => "status:" + requestId;
}
