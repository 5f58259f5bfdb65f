using System.Text.Json;
using Gateway.Callers;
using Gateway.Problems;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// The one way a remix is bought, whichever door it came through. In order: the webhook's and the
/// <c>Idempotency-Key</c>'s rules, the idempotency claim (before any money is spent), the daily quota,
/// one submit to Sunra, then the records that make the remix findable from every replica. Once Sunra
/// may have sold the remix, nothing that follows can make the gateway forget it or buy it again.
/// </summary>
internal sealed partial class RemixSubmissions(
    SunraQueueClient sunra,
    RemixOwners owners,
    RemixRecords records,
    IdempotencyRecords idempotency,
    SubmitQuota quota,
    RecordKeeper keeper,
    PendingWebhooks webhooks,
    StatusPolls polls,
    RemixCallbacks callbacks,
    CallerDirectory callers,
    IOptions<RemixOptions> settings,
    IOptions<SunraOptions> options,
    CoreMetrics metrics,
    ILogger<RemixSubmissions> logger)
{
    /// <summary>Time for the records after a submit, beyond the submit's own timeout.</summary>
    internal static readonly TimeSpan RecordingTime = TimeSpan.FromSeconds(10);

    /// <param name="order">The validated input.</param>
    /// <param name="caller">Who buys it.</param>
    /// <param name="idempotencyKey">The caller's <c>Idempotency-Key</c> as sent: null when none was sent, "" when the header was empty.</param>
    /// <param name="cancellationToken">The caller's; it stops a wait for another request's key, never a submit once sent.</param>
    public async Task<Outcome<SubmittedRemix>> SubmitAsync(RemixOrder order, string caller, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (order.WebhookUrl is { } webhookUrl && WebhookRefusal(caller, webhookUrl) is { } refusal)
        {
            return refusal;
        }

        if (idempotencyKey is null)
        {
            return await BuyAsync(order, caller, claim: null);
        }

        if (!IdempotencyKeys.IsValid(idempotencyKey))
        {
            return IdempotencyKeys.Invalid;
        }

        var lease = TimeSpan.FromSeconds(options.Value.TimeoutSeconds) + RecordingTime;
        var claim = await idempotency.ClaimAsync(caller, idempotencyKey, IdempotencyKeys.Fingerprint(order), lease, cancellationToken);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Replay:
                metrics.Submit(caller, "replayed");
                return JsonSerializer.Deserialize(claim.Answer!, CoreJsonContext.Default.SubmittedRemix)! with { Replayed = true };
            case ClaimOutcome.Mismatch:
                return ProblemCatalog.IdempotencyKeyReused.AsProblem();
            case ClaimOutcome.Unknown:
                return ProblemCatalog.IdempotencyOutcomeUnknown.AsProblem();
            default:
                return await BuyAsync(order, caller, claim);
        }
    }

    private async Task<Outcome<SubmittedRemix>> BuyAsync(RemixOrder order, string caller, IdempotencyClaim? claim)
    {
        var (permit, sent, refusal) = await PrepareAsync(caller, claim);
        if (refusal is not null)
        {
            metrics.Submit(caller, "refused");
            return refusal;
        }

        // Not the caller's cancellation: once the submit is sent, Sunra may accept (and charge for)
        // the remix whether or not the caller is still listening, so the call runs to its answer and
        // the remix is recorded as the caller's.
        var callback = callbacks.Issue();
        var accepted = await sunra.SubmitAsync(order.VideoId, order.Prompt, callback?.Url, CancellationToken.None);
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
            return accepted.FailedAs<SubmittedRemix>();
        }

        metrics.Submit(caller, "accepted");
        var remix = new SubmittedRemix
        {
            RequestId = accepted.Value.RequestId,
            Status = RemixStatuses.StateOf(accepted.Value.State),
            QueuePosition = accepted.Value.QueuePosition,
        };
        await keeper.WriteAsync($"record remix {remix.RequestId} as {caller}'s", () => owners.RecordAsync(remix.RequestId, caller, settings.Value.Records.FactsRetention));
        var record = records.New(remix.RequestId, caller, order, remix.Status);
        await keeper.WriteAsync($"keep the record of remix {remix.RequestId} for {caller}'s list", () => records.KeepAsync(record));

        if (callback is not null)
        {
            await keeper.WriteAsync($"keep the callback of remix {remix.RequestId}", () => callbacks.RecordAsync(callback, remix.RequestId));
        }

        // The submit's answer is its latest known status until the first poll.
        await polls.KeepSubmittedAsync(new RemixStatus { RequestId = remix.RequestId, Status = remix.Status, QueuePosition = remix.QueuePosition });
        if (order.WebhookUrl is { } url)
        {
            await keeper.WriteAsync($"register the webhook of remix {remix.RequestId}", () => webhooks.RegisterAsync(remix.RequestId, caller, url));
        }

        if (sent is not null)
        {
            var answer = JsonSerializer.Serialize(remix, CoreJsonContext.Default.SubmittedRemix);
            await KeepAsync($"keep remix {remix.RequestId} as the answer to {caller}'s idempotency key", sent, held => idempotency.CompleteAsync(held, answer));
        }

        return remix;
    }

    // Before anything is sent: the quota permit, then the mark that the submit is on its way. What
    // stops the request here has bought nothing, so what it took is given back, even when the store
    // went away on the way (then as far as it can be: a claim left behind frees itself after its lease).
    private async Task<(WindowPermit Permit, IdempotencyClaim? Sent, Problem? Refusal)> PrepareAsync(string caller, IdempotencyClaim? claim)
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
            return (permit, null, ProblemCatalog.IdempotencyKeyInUse.AsProblem());
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
    private Problem? WebhookRefusal(string caller, string url)
    {
        var why = callers.Named(caller)?.WebhookSecret is null
            ? "This caller has no webhook secret, so the gateway cannot sign its webhooks: ask the operators for Gateway:Clients:" + caller + ":WebhookSecret."
            : WebhookUrls.Refusal(url, settings.Value.Webhooks.AllowedHosts);
        return why is null ? null : Problem.Invalid("webhook_url", why);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {What}: another request holds the idempotency key now")]
    private partial void LogClaimChanged(string what);
}
