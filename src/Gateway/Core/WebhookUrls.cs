using System.Net;

namespace Gateway.Core;

/// <summary>
/// The guard against server-side request forgery: a <c>webhook_url</c> is http or https, carries no
/// credentials, and names a host the operators listed in <c>Gateway:Webhooks:AllowedHosts</c>.
/// Link-local addresses (cloud metadata services live there) are refused even when listed, and again
/// when a listed name resolves to one at delivery time (<see cref="OutboundAddresses"/>).
/// </summary>
public static class WebhookUrls
{
    public const int MaxLength = 2048;

    /// <summary>Why the URL may not be called, or null when it may.</summary>
    public static string? Refusal(string url, IReadOnlyCollection<string> allowedHosts)
    {
        if (url.Length > MaxLength)
        {
            return $"webhook_url is at most {MaxLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || HostOf(uri) is not { } host)
        {
            return "webhook_url must be an absolute http or https URL.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "webhook_url must not carry credentials.";
        }

        if (IPAddress.TryParse(host, out var address) && OutboundAddresses.IsMetadataOrLinkLocal(address))
        {
            return "webhook_url must not point at a link-local address.";
        }

        return allowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase)
            ? null
            : "webhook_url must point at a host the operators allowed for webhooks (Gateway:Webhooks:AllowedHosts).";
    }

    // The host as DNS sees it (punycode for an international name); null when it cannot be encoded.
    private static string? HostOf(Uri uri)
    {
        try
        {
            return uri.IdnHost;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}
