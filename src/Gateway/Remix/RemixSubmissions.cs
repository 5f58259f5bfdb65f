using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Callers;
using Gateway.Hosting;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.HttpResults;
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
    IOptions<SunraOptions> options,
    TimeProvider clock,
    ILogger<RemixSubmissions> logger)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Set on an answer replayed for a repeated <c>Idempotency-Key</c>.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxIdempotencyKeyLength = 255;

    // Time for the records around a submit, beyond the submit's own timeout.
    private static readonly TimeSpan RecordingTime = TimeSpan.FromSeconds(10);

    // After Sunra answered, the records are retried this often before the operators are told.
    private const int RecordAttempts = 5;

    public async Task<Results<Accepted<RemixAccepted>, ProblemHttpResult>> SubmitAsync(
        RemixRequest request, string caller, string? idempotencyKey, HttpContext http)
    {
        // An empty header binds as no key; it is still a key the caller meant to send.
        if (idempotencyKey is null && !http.Request.Headers.ContainsKey(IdempotencyKeyHeader))
        {
            return await BuyAsync(request, caller, claim: null, http);
        }

        if (idempotencyKey is null || !IsValidIdempotencyKey(idempotencyKey))
        {
            return InvalidIdempotencyKey.ToResult(http);
        }

        var lease = TimeSpan.FromSeconds(options.Value.TimeoutSeconds) + RecordingTime;
        var claim = await idempotency.ClaimAsync(caller, idempotencyKey, Fingerprint(request), lease, http.RequestAborted);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Replay:
                var answer = JsonSerializer.Deserialize(claim.Answer!, RemixJsonContext.Default.RemixAccepted)!;
                http.Response.Headers[ReplayedHeader] = "true";
                return TypedResults.Accepted(RemixLinks.Result(answer.RequestId), answer);
            case ClaimOutcome.Mismatch:
                return IdempotencyKeyReused.ToResult(http);
            case ClaimOutcome.Unknown:
                return OutcomeUnknown.ToResult(http);
            default:
                return await BuyAsync(request, caller, claim, http);
        }
    }

    private async Task<Results<Accepted<RemixAccepted>, ProblemHttpResult>> BuyAsync(
        RemixRequest request, string caller, IdempotencyClaim? claim, HttpContext http)
    {
        var permit = await quota.TakeAsync(caller);
        if (!permit.Acquired)
        {
            await ReleaseAsync(claim);
            return SubmitQuota.Exhausted(permit).ToResult(http);
        }

        IdempotencyClaim? sent = null;
        if (claim is not null && (sent = await idempotency.MarkSentAsync(claim)) is null)
        {
            await quota.GiveBackAsync(permit);
            return IdempotencyKeyInUse.ToResult(http);
        }

        // Not the caller's RequestAborted: once the submit is sent, Sunra may accept (and charge for)
        // the remix whether or not the caller is still listening, so the call runs to its answer and
        // the remix is recorded as the caller's.
        var accepted = await sunra.SubmitAsync(request.VideoId!, request.Prompt!, CancellationToken.None);
        if (accepted.Failed)
        {
            if (accepted.MayHaveSucceeded)
            {
                await SettleAsync("mark an idempotency key's outcome unknown", () => sent is null ? Task.CompletedTask : idempotency.MarkUnknownAsync(sent));
            }
            else
            {
                await SettleAsync("give back a quota permit", () => quota.GiveBackAsync(permit));
                await SettleAsync("release an idempotency key", () => sent is null ? Task.CompletedTask : idempotency.ReleaseAsync(sent));
            }

            return accepted.Problem.ToResult(http);
        }

        var remix = accepted.Value;
        await SettleAsync($"record remix {remix.RequestId} as {caller}'s", () => owners.RecordAsync(remix.RequestId, caller));
        if (sent is not null)
        {
            var answer = JsonSerializer.Serialize(remix, RemixJsonContext.Default.RemixAccepted);
            await SettleAsync($"keep the answer for remix {remix.RequestId}", () => idempotency.CompleteAsync(sent, answer));
        }

        return TypedResults.Accepted(RemixLinks.Result(remix.RequestId), remix);
    }

    private Task ReleaseAsync(IdempotencyClaim? claim) =>
        claim is null ? Task.CompletedTask : SettleAsync("release an idempotency key", () => idempotency.ReleaseAsync(claim));

    // After Sunra was called, a record that cannot be written must not turn into an error answer:
    // the caller would retry and buy again. It is retried for a few seconds, then the operators are
    // told exactly what to restore.
    private async Task SettleAsync(string what, Func<Task> write)
    {
        var wait = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write();
                return;
            }
            catch (StateStoreUnavailableException e) when (attempt < RecordAttempts)
            {
                LogRetrying(what, e.InnerException?.Message ?? e.Message);
                await Task.Delay(wait, clock);
                wait *= 3;
            }
            catch (StateStoreUnavailableException e)
            {
                LogLost(what, e.InnerException?.Message ?? e.Message);
                return;
            }
        }
    }

    /// <summary>What makes two submits the same: the fields sent to Sunra, and nothing else.</summary>
    internal static string Fingerprint(RemixRequest request)
    {
        var canonical = $"{request.VideoId!.Length}:{request.VideoId}{request.Prompt}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    // Visible ASCII only: a key is an opaque token such as a UUID.
    internal static bool IsValidIdempotencyKey(string key) =>
        key.Length is > 0 and <= MaxIdempotencyKeyLength && key.All(c => c is > ' ' and <= '~');

    private static readonly GatewayProblem InvalidIdempotencyKey = new(
        StatusCodes.Status400BadRequest,
        ProblemTypes.InvalidRequest,
        "The Idempotency-Key header is not valid",
        $"Idempotency-Key must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters, such as a UUID.")
    {
        Extensions = new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [IdempotencyKeyHeader] = [$"Must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters."] } },
    };

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {What} yet: {Reason}; trying again")]
    private partial void LogRetrying(string what, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not {What}: {Reason}. Sunra was called; the record must be restored by hand")]
    private partial void LogLost(string what, string reason);
}
