using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Hosting;

namespace Gateway.State;

/// <summary>What a request with an <c>Idempotency-Key</c> found when it claimed the key.</summary>
public enum ClaimOutcome
{
    /// <summary>This request holds the key: it submits, then completes or releases the claim.</summary>
    Claimed,

    /// <summary>An earlier request with the key was answered: replay its answer.</summary>
    Replay,

    /// <summary>The key was used with a different body.</summary>
    Mismatch,

    /// <summary>An earlier request with the key may or may not have bought a remix; nobody can tell.</summary>
    Unknown,
}

/// <summary>A claim on an idempotency key, and what a later request found there.</summary>
public sealed record IdempotencyClaim(ClaimOutcome Outcome, string StoreKey, string? Held = null, string? Answer = null);

/// <summary>
/// Stripe-style idempotency keys, scoped per caller. The first request claims the key <b>before</b>
/// Sunra is called and completes the claim with its answer after; identical requests that arrive
/// meanwhile, on any replica, wait for that answer instead of buying a second remix. A holder that
/// has not finished within its lease (its replica died) leaves an unknown outcome if it had sent the
/// submit, never a reason to submit again; if it had not, the key is free to take over.
/// </summary>
public sealed class IdempotencyRecords(IStateStore store, TimeProvider clock)
{
    /// <summary>How long a key is remembered after its first use.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(RetentionHours);

    /// <summary><see cref="Retention"/> in words, for documentation.</summary>
    public const string RetentionText = "24 hours";

    private const int RetentionHours = 24;

    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// Claims the key for this request, or waits while another request holds it, for up to
    /// <paramref name="lease"/> from the moment that request sent its submit (or claimed the key, if
    /// it has not sent it), and says what it found.
    /// </summary>
    public async Task<IdempotencyClaim> ClaimAsync(string caller, string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        var storeKey = StoreKeyOf(caller, key);
        var waits = 0;
        while (true)
        {
            var mine = Serialize(new Held(fingerprint, Guid.NewGuid().ToString("N"), clock.GetUtcNow()));
            if (await store.AddAsync(storeKey, mine, Retention))
            {
                return new IdempotencyClaim(ClaimOutcome.Claimed, storeKey, mine);
            }

            if (await store.GetAsync(storeKey) is not { } existing)
            {
                continue;
            }

            // A record this version cannot read is treated as the worst case: nobody can say what it bought.
            if (TryDeserialize(existing) is not { } held)
            {
                return new IdempotencyClaim(ClaimOutcome.Unknown, storeKey);
            }

            if (held.Fingerprint != fingerprint)
            {
                return new IdempotencyClaim(ClaimOutcome.Mismatch, storeKey);
            }

            if (held.Answer is { } answer)
            {
                return new IdempotencyClaim(ClaimOutcome.Replay, storeKey, Answer: answer);
            }

            // The lease runs from the moment the submit was sent, or else from the claim.
            var expired = clock.GetUtcNow() - (held.SentAt ?? held.ClaimedAt) > lease;
            if (held.OutcomeUnknown || (held.SentAt is not null && expired))
            {
                return new IdempotencyClaim(ClaimOutcome.Unknown, storeKey);
            }

            // Its holder went away before sending anything to Sunra: the key is free to take over.
            if (expired && await store.ReplaceAsync(storeKey, existing, mine, Retention))
            {
                return new IdempotencyClaim(ClaimOutcome.Claimed, storeKey, mine);
            }

            await Task.Delay(Backoff.Exponential(FirstWait, ++waits, LongestWait), clock, cancellationToken);
        }
    }

    /// <summary>
    /// Marks the claim as about to reach Sunra: from here on, a holder that vanishes leaves an
    /// unknown outcome. Null when the claim was lost (its lease ran out and another request took it),
    /// in which case this request must not submit.
    /// </summary>
    public async Task<IdempotencyClaim?> MarkSentAsync(IdempotencyClaim claim)
    {
        var sent = Serialize(Deserialize(claim.Held!) with { SentAt = clock.GetUtcNow() });
        return await store.ReplaceAsync(claim.StoreKey, claim.Held!, sent, Retention) ? claim with { Held = sent } : null;
    }

    /// <summary>Keeps the answer for every later request with the key.</summary>
    public Task<bool> CompleteAsync(IdempotencyClaim claim, string answer) =>
        store.ReplaceAsync(claim.StoreKey, claim.Held!, Serialize(Deserialize(claim.Held!) with { Answer = answer }), Retention);

    /// <summary>Nothing was bought: the key is free again, so a retry may submit.</summary>
    public Task<bool> ReleaseAsync(IdempotencyClaim claim) =>
        store.ReplaceAsync(claim.StoreKey, claim.Held!, null, Retention);

    /// <summary>Sunra may have accepted the remix without the gateway learning its id: later requests are told so.</summary>
    public Task<bool> MarkUnknownAsync(IdempotencyClaim claim) =>
        store.ReplaceAsync(claim.StoreKey, claim.Held!, Serialize(Deserialize(claim.Held!) with { OutcomeUnknown = true }), Retention);

    // The key is the caller's own text: hashed, it is safe and short in a store key.
    private static string StoreKeyOf(string caller, string key) =>
        $"idempotency:{caller}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))}";

    private static string Serialize(Held held) => JsonSerializer.Serialize(held, StateJsonContext.Default.Held);

    private static Held Deserialize(string json) => JsonSerializer.Deserialize(json, StateJsonContext.Default.Held)!;

    private static Held? TryDeserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, StateJsonContext.Default.Held);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal sealed record Held(string Fingerprint, string Token, DateTimeOffset ClaimedAt, DateTimeOffset? SentAt = null, string? Answer = null, bool OutcomeUnknown = false);
}

[JsonSerializable(typeof(IdempotencyRecords.Held))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
