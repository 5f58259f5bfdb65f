using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.State;

/// <summary>
/// The webhooks waiting for their remix to finish, kept in the state store (with Redis, shared by the
/// replicas), so that a webhook outlives the replica that accepted its remix: whichever replica is
/// up delivers it.
/// </summary>
public sealed class PendingWebhooks(IStateStore store)
{
    private const string Pending = "webhooks:pending";

    /// <summary>Registers the webhook of an accepted remix.</summary>
    public async Task RegisterAsync(string requestId, string caller, string url)
    {
        await store.SetAsync(Key(requestId), Serialize(new WebhookRecord(url, caller)), RemixOwners.Retention);
        await store.AddToSetAsync(Pending, requestId);
    }

    public Task<IReadOnlyList<string>> WaitingAsync() => store.MembersAsync(Pending);

    public async Task<WebhookRecord?> FindAsync(string requestId) =>
        await store.GetAsync(Key(requestId)) is { } json ? JsonSerializer.Deserialize(json, WebhookRecordJsonContext.Default.WebhookRecord) : null;

    /// <summary>Keeps the record; a delivered or abandoned webhook leaves the waiting list.</summary>
    public async Task SaveAsync(string requestId, WebhookRecord record)
    {
        await store.SetAsync(Key(requestId), Serialize(record), RemixOwners.Retention);
        if (record.Delivered || record.Abandoned)
        {
            await store.RemoveFromSetAsync(Pending, requestId);
        }
    }

    public Task ForgetAsync(string requestId) => store.RemoveFromSetAsync(Pending, requestId);

    /// <summary>Takes the webhook for one delivery attempt, so that no two replicas send it at once.</summary>
    public Task<bool> TakeAsync(string requestId, string holder, TimeSpan lease) => store.AddAsync(LeaseKey(requestId), holder, lease);

    public Task ReturnAsync(string requestId, string holder) => store.ReplaceAsync(LeaseKey(requestId), holder, null, TimeSpan.Zero);

    private static string Key(string requestId) => "webhook:" + requestId;

    private static string LeaseKey(string requestId) => "webhook-lease:" + requestId;

    private static string Serialize(WebhookRecord record) => JsonSerializer.Serialize(record, WebhookRecordJsonContext.Default.WebhookRecord);
}

/// <summary>One remix's webhook: where it goes, whose secret signs it, and how its delivery went.</summary>
public sealed record WebhookRecord(string Url, string Caller, int Attempts = 0, DateTimeOffset? NextAttemptAt = null, bool Delivered = false, bool Abandoned = false);

[JsonSerializable(typeof(WebhookRecord))]
internal sealed partial class WebhookRecordJsonContext : JsonSerializerContext;
