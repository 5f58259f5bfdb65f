using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Gateway.Callers;

/// <summary>Names the exact caller setting at fault, at start-up.</summary>
internal sealed partial class CallersOptionsValidator : IValidateOptions<CallersOptions>
{
    public ValidateOptionsResult Validate(string? name, CallersOptions options)
    {
        var failures = new List<string>();
        var defaults = options.Defaults;
        AddLimitFailures(failures, "Gateway:Defaults", defaults.SubmitsPerMinute, defaults.ReadsPerMinute, defaults.DailySubmitQuota, defaults.ConcurrentStreams);

        foreach (var (caller, client) in options.Clients)
        {
            var setting = $"Gateway:Clients:{caller}";
            if (!CallerName().IsMatch(caller))
            {
                failures.Add($"{setting}: a caller's name is letters, digits, '_', '-' or '.', up to 64 of them.");
            }

            if (client.KeySha256 is null || !Sha256Hex().IsMatch(client.KeySha256))
            {
                failures.Add($"{setting}:KeySha256 must be the SHA-256 of the caller's key as 64 lowercase hex digits (see the README).");
            }

            if (client.WebhookSecret is { Length: < 16 })
            {
                failures.Add($"{setting}:WebhookSecret must be at least 16 characters (32 random bytes, hex or base64, are right).");
            }

            AddLimitFailures(failures, setting, client.SubmitsPerMinute, client.ReadsPerMinute, client.DailySubmitQuota, client.ConcurrentStreams);
        }

        var duplicates = options.Clients.GroupBy(c => c.Value.KeySha256, StringComparer.Ordinal).Where(g => g.Key is not null && g.Count() > 1);
        failures.AddRange(duplicates.Select(d => $"Gateway:Clients: {string.Join(" and ", d.Select(c => c.Key))} have the same key; each caller needs its own."));

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AddLimitFailures(List<string> failures, string setting, int? submitsPerMinute, int? readsPerMinute, int? dailySubmitQuota, int? concurrentStreams)
    {
        foreach (var (limit, value) in new[]
        {
            (nameof(CallerLimits.SubmitsPerMinute), submitsPerMinute),
            (nameof(CallerLimits.ReadsPerMinute), readsPerMinute),
            (nameof(CallerLimits.DailySubmitQuota), dailySubmitQuota),
            (nameof(CallerLimits.ConcurrentStreams), concurrentStreams),
        })
        {
            if (value is < 1)
            {
                failures.Add($"{setting}:{limit} must be at least 1.");
            }
        }
    }

    [GeneratedRegex("^[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CallerName();
}
