using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Callers;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Delivery;

/// <summary>
/// Delivers webhooks, at least once, from every replica: each pass (every poll interval, and at once
/// when this replica learns that a remix ended, say from Sunra's callback) looks at the waiting webhooks,
/// takes one at a time under a short lease (so no two replicas send it at once), reads its remix's
/// coalesced status and, once the remix is final, POSTs the signed outcome. A 2xx ends it: exactly one
/// delivery. Anything else is tried again with a growing wait (<c>Gateway:Webhooks:FirstRetrySeconds</c>,
/// 5 s by default, doubling, at most 10 min), up to
/// <see cref="MaxAttempts"/> times.
/// </summary>
internal sealed partial class WebhookDispatcher(
    PendingWebhooks webhooks,
    RecordKeeper keeper,
    IServiceScopeFactory scopes,
    CallerDirectory callers,
    IHttpClientFactory clients,
    IOptions<SunraOptions> sunra,
    IOptions<RemixOptions> remix,
    StatusChanges changes,
    WebhookMetrics metrics,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ClientName = "webhooks";
    public const string SignatureHeader = "X-Signature-256";
    public const string TimestampHeader = "X-Signature-Timestamp";
    public const string IdHeader = "X-Webhook-Id";
    public const int MaxAttempts = 12;

    // Longer than a send (10 s) and its record, with room to spare.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(10);

    private readonly string _holder = Guid.NewGuid().ToString("N");

    // Delivered by this replica: not sent again even if recording the delivery has to wait for the store.
    private readonly ConcurrentDictionary<string, byte> _delivered = new(StringComparer.Ordinal);

    // Completed when this replica learns a final status (a callback it took, its own poll): the next pass
    // starts at once rather than at the end of the interval, so a caller's webhook moves on Sunra's callback.
    private TaskCompletionSource _finalHeard = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        changes.Changed += OnStatusChanged;
        try
        {
            await PassesAsync(stoppingToken);
        }
        finally
        {
            changes.Changed -= OnStatusChanged;
        }
    }

    private async Task PassesAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var finalHeard = Volatile.Read(ref _finalHeard);
            try
            {
                foreach (var requestId in await webhooks.WaitingAsync())
                {
                    await DeliverIfDueAsync(requestId, stoppingToken);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Nothing in one pass may stop the dispatcher, or the host: the next pass tries again.
                if (e is not StateStoreUnavailableException)
                {
                    LogPassFailed(e.GetType().Name);
                }
            }

            await Task.WhenAny(Task.Delay(sunra.Value.StatusPollInterval, clock, stoppingToken), finalHeard.Task);
            if (finalHeard.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _finalHeard, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), finalHeard);
            }
        }
    }

    private void OnStatusChanged(string requestId, RemixStatus? status)
    {
        if (status is { IsFinal: true })
        {
            Volatile.Read(ref _finalHeard).TrySetResult();
        }
    }

    // The outcome is worked out first (it may take Sunra a while); the lease is taken only around
    // the send and its record, so it cannot run out while this replica is still sending.
    private async Task DeliverIfDueAsync(string requestId, CancellationToken cancellationToken)
    {
        try
        {
            if (_delivered.ContainsKey(requestId) || await DueAsync(requestId) is not { } webhook)
            {
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var (message, abandon) = await OutcomeAsync(requestId, webhook, scope.ServiceProvider.GetRequiredService<RemixStatuses>(), cancellationToken);
            if (message is null && !abandon)
            {
                return;
            }

            if (!await webhooks.TakeAsync(requestId, _holder, Lease))
            {
                return;
            }

            try
            {
                // Read again under the lease: another replica may have delivered it meanwhile.
                if (await DueAsync(requestId) is not { } current)
                {
                    return;
                }

                var sent = message is null ? current with { Abandoned = true } : await SendAsync(requestId, current, message, cancellationToken);
                if (sent.Delivered)
                {
                    _delivered.TryAdd(requestId, 0);
                }

                await keeper.WriteAsync($"record the webhook delivery of {requestId}", () => webhooks.SaveAsync(requestId, sent));
            }
            finally
            {
                await webhooks.ReturnAsync(requestId, _holder);
            }
        }
        catch (Exception e) when (e is not (StateStoreUnavailableException or OperationCanceledException))
        {
            // One webhook that cannot be handled must not hold up the others.
            LogFailed(requestId, e.GetType().Name);
        }
    }

    // The webhook when it is waiting and due; a record that is gone (expired) or unreadable leaves the list.
    private async Task<WebhookRecord?> DueAsync(string requestId)
    {
        WebhookRecord? webhook;
        try
        {
            webhook = await webhooks.FindAsync(requestId);
        }
        catch (JsonException)
        {
            LogUnreadable(requestId);
            await webhooks.ForgetAsync(requestId);
            return null;
        }

        if (webhook is null)
        {
            LogExpired(requestId);
            await webhooks.ForgetAsync(requestId);
            return null;
        }

        return webhook.Delivered || webhook.Abandoned || webhook.NextAttemptAt > clock.GetUtcNow() ? null : webhook;
    }

    // What to do now: send the message once the remix is final, abandon the webhook when it can never
    // be sent (its remix is unknown, or its URL is no longer allowed), or neither: wait.
    private async Task<(RemixWebhook? Message, bool Abandon)> OutcomeAsync(string requestId, WebhookRecord webhook, RemixStatuses statuses, CancellationToken cancellationToken)
    {
        if (WebhookUrls.Refusal(webhook.Url, remix.Value.Webhooks.AllowedHosts) is not null)
        {
            LogNoLongerAllowed(requestId, new Uri(webhook.Url).Host);
            return (null, true);
        }

        // The same read as a caller's GET of the result (when a remix has a video is decided there), for the
        // owner the gateway recorded with the webhook itself.
        var read = await statuses.ReadResultWithoutOwnershipCheckAsync(requestId, cancellationToken);
        switch (read.Kind)
        {
            case ResultKind.Refused when read.Problem!.Type == ProblemCatalog.RemixNotFound:
                LogRemixUnknown(requestId);
                return (null, true);
            case ResultKind.Video:
                return (new RemixWebhook { RequestId = requestId, Status = RemixState.Completed, Video = read.SunraVideo, Timestamp = default }, false);
            case ResultKind.Failed or ResultKind.Canceled:
                return (new RemixWebhook { RequestId = requestId, Status = read.Status!.Status, Error = read.Status.Error, Timestamp = default }, false);
            default:
                // Not finished yet, or Sunra could not be asked: the next pass asks again.
                return (null, false);
        }
    }

    private async Task<WebhookRecord> SendAsync(string requestId, WebhookRecord webhook, RemixWebhook outcome, CancellationToken cancellationToken)
    {
        if (callers.Named(webhook.Caller)?.WebhookSecret is not { } secret)
        {
            LogNoSecret(requestId, webhook.Caller);
            return webhook with { Abandoned = true };
        }

        var now = clock.GetUtcNow();
        var body = JsonSerializer.SerializeToUtf8Bytes(outcome with { Timestamp = now }, WebhookJsonContext.Default.RemixWebhook);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Signature(secret, body));
        request.Headers.Add(TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(IdHeader, requestId);

        var attempt = webhook.Attempts + 1;
        var host = new Uri(webhook.Url).Host;
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                LogDelivered(requestId, host, attempt);
                metrics.WebhookDelivery("delivered");
                return webhook with { Attempts = attempt, Delivered = true };
            }

            LogRefused(requestId, host, (int)response.StatusCode, attempt);
            metrics.WebhookDelivery("refused");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(requestId, host, attempt, e.GetType().Name);
            metrics.WebhookDelivery("unreachable");
        }

        if (attempt >= MaxAttempts)
        {
            LogAbandoned(requestId, host, attempt);
            metrics.WebhookDelivery("abandoned");
            return webhook with { Attempts = attempt, Abandoned = true };
        }

        var wait = Backoff.Exponential(TimeSpan.FromSeconds(remix.Value.Webhooks.FirstRetrySeconds), attempt, LongestRetry);
        return webhook with { Attempts = attempt, NextAttemptAt = now + wait };
    }

    /// <summary><c>sha256=</c> and the lowercase hex HMAC-SHA256 of the exact body, keyed with the caller's secret.</summary>
    internal static string Signature(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    // Only the host is logged: a webhook URL may carry the receiver's own token in its path or query.
    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook of {RequestId} delivered to {WebhookHost} on attempt {Attempt}")]
    private partial void LogDelivered(string requestId, string webhookHost, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook of {RequestId} refused by {WebhookHost} with {WebhookStatus} on attempt {Attempt}")]
    private partial void LogRefused(string requestId, string webhookHost, int webhookStatus, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook of {RequestId} could not reach {WebhookHost} on attempt {Attempt}: {Failure}")]
    private partial void LogUnreachable(string requestId, string webhookHost, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook of {RequestId} to {WebhookHost} abandoned after {Attempt} attempts")]
    private partial void LogAbandoned(string requestId, string webhookHost, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook of {RequestId} could not be handled ({Failure}); tried again on the next pass")]
    private partial void LogFailed(string requestId, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "A pass over the waiting webhooks failed ({Failure}); the next pass tries again")]
    private partial void LogPassFailed(string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook of {RequestId} dropped: its record cannot be read")]
    private partial void LogUnreadable(string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook of {RequestId} dropped: its record expired before its remix finished")]
    private partial void LogExpired(string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook of {RequestId} abandoned: {WebhookHost} is no longer an allowed host")]
    private partial void LogNoLongerAllowed(string requestId, string webhookHost);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook of {RequestId} abandoned: Sunra does not know the remix")]
    private partial void LogRemixUnknown(string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook of {RequestId} abandoned: caller {Caller} has no webhook secret any more")]
    private partial void LogNoSecret(string requestId, string caller);
}
