using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Gateway.Callers;

/// <summary>Names the exact setting at fault, at start-up.</summary>
internal sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        var defaults = options.Defaults;
        foreach (var (limit, value) in new[] { ("SubmitsPerMinute", defaults.SubmitsPerMinute), ("ReadsPerMinute", defaults.ReadsPerMinute), ("DailySubmitQuota", defaults.DailySubmitQuota), ("ConcurrentStreams", defaults.ConcurrentStreams) })
        {
            if (value < 1)
            {
                failures.Add($"Gateway:Defaults:{limit} must be at least 1.");
            }
        }

        failures.AddRange(options.ForwardedHeaders.KnownProxies.Where(proxy => !System.Net.IPAddress.TryParse(proxy, out _))
            .Select(proxy => $"Gateway:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address."));
        failures.AddRange(options.ForwardedHeaders.KnownNetworks.Where(network => !System.Net.IPNetwork.TryParse(network, out _))
            .Select(network => $"Gateway:ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR form (such as 10.0.0.0/8)."));

        if (options.Webhooks.FirstRetrySeconds is < 0.05 or > 600)
        {
            failures.Add("Gateway:Webhooks:FirstRetrySeconds must be between 0.05 and 600.");
        }

        if (options.EventsHeartbeatSeconds is < 0.05 or > 300)
        {
            failures.Add("Gateway:EventsHeartbeatSeconds must be between 0.05 and 300.");
        }

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

            foreach (var (limit, value) in new[] { ("SubmitsPerMinute", client.SubmitsPerMinute), ("ReadsPerMinute", client.ReadsPerMinute), ("DailySubmitQuota", client.DailySubmitQuota), ("ConcurrentStreams", client.ConcurrentStreams) })
            {
                if (value is < 1)
                {
                    failures.Add($"{setting}:{limit} must be at least 1.");
                }
            }
        }

        var duplicates = options.Clients.GroupBy(c => c.Value.KeySha256, StringComparer.Ordinal).Where(g => g.Key is not null && g.Count() > 1);
        failures.AddRange(duplicates.Select(d => $"Gateway:Clients: {string.Join(" and ", d.Select(c => c.Key))} have the same key; each caller needs its own."));

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CallerName();
}
