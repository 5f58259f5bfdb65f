using System.Security.Cryptography;
using System.Text;
using Gateway.Problems;
using Gateway.State;

namespace Gateway.Core;

/// <summary>The rules of an <c>Idempotency-Key</c>: what a key may be, and what makes two submits the same.</summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>Set on an answer replayed for a repeated key: nothing new was bought.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxLength = 255;

    /// <summary>Visible ASCII only: a key is an opaque token such as a UUID.</summary>
    public const string Pattern = "^[!-~]{1,255}$";

    /// <summary>How long a key is remembered, in words, for documentation.</summary>
    public const string RetentionText = IdempotencyRecords.RetentionText;

    public const string Description =
        "Optional, 1 to 255 visible ASCII characters (e.g. a UUID). Repeating a submit with the same key and body within " +
        RetentionText + " answers the original request_id instead of buying another remix; the same key with another body is a 422.";

    public static bool IsValid(string key) =>
        key.Length is > 0 and <= MaxLength && !key.AsSpan().ContainsAnyExceptInRange('!', '~');

    internal static readonly Problem Invalid = Problem.Invalid(
        Header,
        $"Idempotency-Key must be 1 to {MaxLength} visible ASCII characters, such as a UUID.",
        $"Must be 1 to {MaxLength} visible ASCII characters.");

    /// <summary>What makes two submits the same: the fields that decide what is bought and where it is told.</summary>
    internal static string Fingerprint(RemixOrder order)
    {
        // Without a webhook, the form keys were claimed with before webhooks existed; with one, a form
        // that cannot equal it (it does not start with a digit).
        var canonical = order.WebhookUrl is null
            ? $"{order.VideoId.Length}:{order.VideoId}{order.Prompt}"
            : $"webhook:{order.VideoId.Length}:{order.VideoId}{order.Prompt.Length}:{order.Prompt}{order.WebhookUrl}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
