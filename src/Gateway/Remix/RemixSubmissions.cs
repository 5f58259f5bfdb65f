using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Callers;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Remix;

/// <summary>
/// The one way a remix is bought. In order: the idempotency claim (before any money is spent), the
/// daily quota, one submit to Sunra, then the records that make the remix findable from every
/// replica. Once Sunra may have sold the remix, nothing that follows can make the gateway forget it
/// or buy it again.
/// </summary>
internal sealed partial class RemixSubmissions(
    SunraQueueClient sunra,
    RemixOwners owners,
    IdempotencyRecords idempotency,
    SubmitQuota quota,
    RecordKeeper keeper,
    PendingWebhooks webhooks,
    CallerDirectory callers,
    IOptions<GatewayOptions> gateway,
    IOptions<SunraOptions> options,
    GatewayMetrics metrics,
    ILogger<RemixSubmissions> logger)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Set on an answer replayed for a repeated <c>Idempotency-Key</c>.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxIdempotencyKeyLength = 255;

    /// <summary>Time for the records after a submit, beyond the submit's own timeout.</summary>
    internal static readonly TimeSpan RecordingTime = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The remix Sunra accepted (or the one an <c>Idempotency-Key</c> already bought), or the problem;
    /// each door renders either in its own shape.
    /// </summary>
    public async Task<Upstream<RemixAccepted>> SubmitAsync(
        RemixRequest request, string caller, string? idempotencyKey, HttpContext http)
    {
        if (request.WebhookUrl is { } webhookUrl && WebhookRefusal(caller, webhookUrl) is { } refusal)
        {
            return refusal;
        }

        // An empty header binds as no key; it is still a key the caller meant to send.
        if (idempotencyKey is null && !http.Request.Headers.ContainsKey(IdempotencyKeyHeader))
        {
            return await BuyAsync(request, caller, claim: null);
        }

        if (idempotencyKey is null || !IsValidIdempotencyKey(idempotencyKey))
        {
            return InvalidIdempotencyKey;
        }

        var lease = TimeSpan.FromSeconds(options.Value.TimeoutSeconds) + RecordingTime;
        var claim = await idempotency.ClaimAsync(caller, idempotencyKey, Fingerprint(request), lease, http.RequestAborted);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Replay:
                var answer = JsonSerializer.Deserialize(claim.Answer!, RemixJsonContext.Default.RemixAccepted)!;
                http.Response.Headers[ReplayedHeader] = "true";
                metrics.Submit(caller, "replayed");
                return answer;
            case ClaimOutcome.Mismatch:
                return IdempotencyKeyReused;
            case ClaimOutcome.Unknown:
                return OutcomeUnknown;
            default:
                return await BuyAsync(request, caller, claim);
        }
    }

    private async Task<Upstream<RemixAccepted>> BuyAsync(
        RemixRequest request, string caller, IdempotencyClaim? claim)
    {
        var (permit, sent, refusal) = await PrepareAsync(caller, claim);
        if (refusal is not null)
        {
            metrics.Submit(caller, "refused");
            return refusal;
        }

        // Not the caller's RequestAborted: once the submit is sent, Sunra may accept (and charge for)
        // the remix whether or not the caller is still listening, so the call runs to its answer and
        // the remix is recorded as the caller's.
        var accepted = await sunra.SubmitAsync(request.VideoId!, request.Prompt!, CancellationToken.None);
        if (accepted.Failed)
        {
            if (accepted.MayHaveSucceeded)
            {
                // The permit stays spent: Sunra may have charged for the remix.
                await KeepAsync("mark an idempotency key's outcome unknown", sent, idempotency.MarkUnknownAsync);
            }
            else
            {
                await keeper.WriteAsync("give back a quota permit", () => quota.GiveBackAsync(permit));
                await KeepAsync("release an idempotency key", sent, idempotency.ReleaseAsync);
            }

            metrics.Submit(caller, accepted.MayHaveSucceeded ? "unknown" : "refused");
            return accepted;
        }

        metrics.Submit(caller, "accepted");
        var remix = accepted.Value;
        await keeper.WriteAsync($"record remix {remix.RequestId} as {caller}'s", () => owners.RecordAsync(remix.RequestId, caller));
        if (request.WebhookUrl is { } url)
        {
            await keeper.WriteAsync($"register the webhook of remix {remix.RequestId}", () => webhooks.RegisterAsync(remix.RequestId, caller, url));
        }

        if (sent is not null)
        {
            var answer = JsonSerializer.Serialize(remix, RemixJsonContext.Default.RemixAccepted);
            await KeepAsync($"keep remix {remix.RequestId} as the answer to {caller}'s idempotency key", sent, held => idempotency.CompleteAsync(held, answer));
        }

        return remix;
    }

    // Before anything is sent: the quota permit, then the mark that the submit is on its way. What
    // stops the request here has bought nothing, so what it took is given back, even when the store
    // went away on the way (then as far as it can be: a claim left behind frees itself after its lease).
    private async Task<(WindowPermit Permit, IdempotencyClaim? Sent, GatewayProblem? Refusal)> PrepareAsync(string caller, IdempotencyClaim? claim)
    {
        WindowPermit permit = default;
        try
        {
            permit = await quota.TakeAsync(caller);
            if (!permit.Acquired)
            {
                await ReleaseAsync(claim);
                return (permit, null, SubmitQuota.Exhausted(permit));
            }

            if (claim is null)
            {
                return (permit, null, null);
            }

            if (await idempotency.MarkSentAsync(claim) is { } sent)
            {
                return (permit, sent, null);
            }

            await quota.GiveBackAsync(permit);
            return (permit, null, IdempotencyKeyInUse);
        }
        catch (StateStoreUnavailableException)
        {
            await BestEffortAsync(() => quota.GiveBackAsync(permit));
            await BestEffortAsync(() => ReleaseAsync(claim));
            throw;
        }
    }

    private Task ReleaseAsync(IdempotencyClaim? claim) => claim is null ? Task.CompletedTask : idempotency.ReleaseAsync(claim);

    private static async Task BestEffortAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (StateStoreUnavailableException)
        {
            // The store is away; the 503 that follows says so.
        }
    }

    // A change to a claim is made only while this request still holds it; if another took it over
    // meanwhile (after the lease ran out), that is worth knowing but changes nothing for this caller.
    private Task KeepAsync(string what, IdempotencyClaim? sent, Func<IdempotencyClaim, Task<bool>> change) =>
        sent is null
            ? Task.CompletedTask
            : keeper.WriteAsync(what, async () =>
            {
                if (!await change(sent))
                {
                    LogClaimChanged(what);
                }
            });

    // A webhook goes only to a host the operators allowed, signed with a secret the caller has.
    private GatewayProblem? WebhookRefusal(string caller, string url)
    {
        var why = callers.Named(caller)?.WebhookSecret is null
            ? "This caller has no webhook secret, so the gateway cannot sign its webhooks: ask the operators for Gateway:Clients:" + caller + ":WebhookSecret."
            : WebhookUrls.Refusal(url, gateway.Value.Webhooks.AllowedHosts);
        return why is null ? null : GatewayProblem.Invalid("webhook_url", "The webhook_url cannot be used", why);
    }

    /// <summary>What makes two submits the same: the fields that decide what is bought and where it is told.</summary>
    internal static string Fingerprint(RemixRequest request)
    {
        // Without a webhook, the form keys were claimed with before webhooks existed; with one, a form
        // that cannot equal it (it does not start with a digit).
        var canonical = request.WebhookUrl is null
            ? $"{request.VideoId!.Length}:{request.VideoId}{request.Prompt}"
            : $"webhook:{request.VideoId!.Length}:{request.VideoId}{request.Prompt!.Length}:{request.Prompt}{request.WebhookUrl}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    // Visible ASCII only: a key is an opaque token such as a UUID.
    internal static bool IsValidIdempotencyKey(string key) =>
        key.Length is > 0 and <= MaxIdempotencyKeyLength && !key.AsSpan().ContainsAnyExceptInRange('!', '~');

    private static readonly GatewayProblem InvalidIdempotencyKey = GatewayProblem.Invalid(
        IdempotencyKeyHeader,
        "The Idempotency-Key header is not valid",
        $"Idempotency-Key must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters, such as a UUID.",
        $"Must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters.");

    private static readonly GatewayProblem IdempotencyKeyReused = new(
        StatusCodes.Status422UnprocessableEntity,
        ProblemTypes.IdempotencyKeyReused,
        "The Idempotency-Key was used for another remix",
        "This caller already sent a different video_id or prompt with this Idempotency-Key. Use a new key for a new remix.");

    private static readonly GatewayProblem OutcomeUnknown = new(
        StatusCodes.Status409Conflict,
        ProblemTypes.IdempotencyOutcomeUnknown,
        "The outcome of the first request with this key is unknown",
        "The first request with this Idempotency-Key reached Sunra, but its answer was lost, so Sunra may or may not have accepted (and charged for) the remix. " +
        "The gateway will not submit it again under this key. Submitting with a new key may buy a second remix.");

    private static readonly GatewayProblem IdempotencyKeyInUse = new(
        StatusCodes.Status409Conflict,
        ProblemTypes.IdempotencyKeyInUse,
        "Another request holds this Idempotency-Key",
        "Another request with this Idempotency-Key took it over while this one waited. Nothing was submitted by this request; send it again to get that request's answer.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {What}: another request holds the idempotency key now")]
    private partial void LogClaimChanged(string what);
}
