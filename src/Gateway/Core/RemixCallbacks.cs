using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// Sunra's callback at the end of a remix (<c>Sunra:CallbackBaseUrl</c>): each submit carries a URL of
/// its own, <c>{base}/sunra/callbacks/{id}.{secret}</c>, whose secret is unguessable and kept in the
/// state store only as its SHA-256 (any replica can take the callback). The callback is unsigned, so
/// its body is never read, let alone believed: a callback with the right URL only makes the gateway
/// ask Sunra at once for the remix's status, and its result once it has one.
/// </summary>
internal sealed partial class RemixCallbacks(
    IStateStore store,
    StatusPolls polls,
    RemixStatuses statuses,
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    IOptions<SunraOptions> options,
    TimeProvider clock,
    ILogger<RemixCallbacks> logger)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(0.25);

    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(4);

    /// <summary>Where callbacks arrive, under the base URL.</summary>
    public const string Route = "/sunra/callbacks";

    /// <summary>A callback URL's last segment: the ticket's id, a dot, its secret.</summary>
    private const char Separator = '.';

    /// <summary>A new callback for a submit, or null when callbacks are off.</summary>
    public CallbackTicket? Issue()
    {
        if (options.Value.CallbackBaseUrl is not { } origin)
        {
            return null;
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return new CallbackTicket(id, secret, new Uri($"{origin.AbsoluteUri.TrimEnd('/')}{Route}/{id}{Separator}{secret}"));
    }

    /// <summary>Keeps the ticket once Sunra has named the remix it is for.</summary>
    public Task RecordAsync(CallbackTicket ticket, string requestId) =>
        store.SetAsync(Key(ticket.Id), JsonSerializer.Serialize(new CallbackRecord(requestId, Hash(ticket.Secret)), CallbackJsonContext.Default.CallbackRecord), RemixOwners.Retention);

    /// <summary>
    /// A callback arrived with this token: true when it is a ticket's, compared in constant time, after
    /// which the remix's status, and its result if it has one, have been asked of Sunra, or will be as
    /// soon as the account's budget has room (<see cref="AskAgainAsync"/>). False changes nothing.
    /// </summary>
    public async Task<bool> HeardAsync(string token)
    {
        var dot = token.IndexOf(Separator, StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1 || await store.GetAsync(Key(token[..dot])) is not { } json)
        {
            return false;
        }

        if (ReadRecord(json) is not { } record
            || !CryptographicOperations.FixedTimeEquals(record.SecretSha256, SHA256.HashData(Encoding.UTF8.GetBytes(token[(dot + 1)..]))))
        {
            return false;
        }

        if (!await AskAsync(record.RequestId))
        {
            _ = AskAgainAsync(record.RequestId);
        }

        return true;
    }

    /// <summary>
    /// Asks Sunra for the remix's status now, and for its result once COMPLETED: true when it was asked
    /// (or the remix had already ended), false when the account's budget held the question back.
    /// </summary>
    private async Task<bool> AskAsync(string requestId)
    {
        var asked = clock.GetUtcNow();

        var status = await polls.PollNowAsync(requestId);
        LogHeard(requestId, status.Failed ? "unknown" : status.Value.Status.WireName());
        if (status.Failed)
        {
            return status.Problem.Type != ProblemCatalog.UpstreamThrottled;
        }

        // A poll held back for the budget answers with the status known before.
        if (!status.Value.IsFinal && status.Value.SeenAt < asked)
        {
            return false;
        }

        if (status.Value is { Status: RemixState.Completed, Success: true })
        {
            var result = await statuses.ReadResultWithoutOwnershipCheckAsync(requestId, CancellationToken.None);
            return result.Problem?.Type != ProblemCatalog.UpstreamThrottled;
        }

        return true;
    }

    /// <summary>
    /// When the budget held a callback's question back (many remixes ended at once), it is asked again
    /// in the background, each time a little later, for as long as the keep-alive poll would take to
    /// find the end by itself. The callback itself has been answered: Sunra may not send it again.
    /// </summary>
    private async Task AskAgainAsync(string requestId)
    {
        var waited = TimeSpan.Zero;
        try
        {
            for (var attempt = 1; waited < options.Value.KeepAlivePoll; attempt++)
            {
                var wait = Backoff.Exponential(FirstRetry, attempt, LongestRetry);
                await Task.Delay(wait, clock, lifetime.ApplicationStopping);
                waited += wait;
                await using var scope = scopes.CreateAsyncScope();
                if (await scope.ServiceProvider.GetRequiredService<RemixCallbacks>().AskAsync(requestId))
                {
                    return;
                }
            }

            LogLeftToKeepAlive(requestId);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The keep-alive poll of another replica finds the end.
        }
        catch (Exception e) when (e is StateStoreUnavailableException or HttpRequestException)
        {
            LogLeftToKeepAlive(requestId);
        }
    }

    private static string Key(string id) => "callback:" + id;

    // A record that cannot be read (kept by another version, or damaged) is no ticket: a 404, never a 500.
    private static (string RequestId, byte[] SecretSha256)? ReadRecord(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CallbackJsonContext.Default.CallbackRecord) is { } record
                ? (record.RequestId, Convert.FromHexString(record.SecretSha256))
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return null;
        }
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Information, Message = "Sunra called back for {RequestId}; Sunra says {RemixStatus}")]
    private partial void LogHeard(string requestId, string remixStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sunra called back for {RequestId}, but the account's budget held the status back; the keep-alive poll will find it")]
    private partial void LogLeftToKeepAlive(string requestId);
}

/// <summary>A callback URL for one submit: <see cref="Url"/> goes to Sunra, the rest is kept.</summary>
internal sealed record CallbackTicket(string Id, string Secret, Uri Url);

/// <summary>What the store keeps of a ticket: the remix, and the SHA-256 of the secret.</summary>
internal sealed record CallbackRecord(string RequestId, string SecretSha256);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CallbackRecord))]
internal sealed partial class CallbackJsonContext : JsonSerializerContext;
