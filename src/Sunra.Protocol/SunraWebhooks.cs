namespace Sunra.Protocol;

/// <summary>
/// The webhook URL of a Sunra submit, read from its query as each client writes it: the JavaScript
/// client appends <c>?webhook=&lt;url&gt;</c> without encoding it, so a URL with its own query arrives
/// split at its <c>&amp;</c>; Python sends <c>webhook</c> encoded (after <c>logs</c>), Java
/// <c>sunra_webhook</c> encoded. One rule for whoever receives a submit: the gateway's <c>/v1</c> door
/// and the emulator, as Sunra.
/// </summary>
public static class SunraWebhooks
{
    private const string Parameter = "webhook=";

    /// <param name="webhook">The query's <c>webhook</c>, as ASP.NET Core decoded it.</param>
    /// <param name="sunraWebhook">The query's <c>sunra_webhook</c>, decoded.</param>
    /// <param name="query">The raw query, <c>?</c> included, to see how <c>webhook</c> was written.</param>
    public static string? Of(string? webhook, string? sunraWebhook, string? query)
    {
        if (webhook is null)
        {
            return sunraWebhook;
        }

        // Written unencoded, the URL is the rest of the query: no client puts anything after it, and
        // a URL with its own parameters is whole again. Encoded, it has no raw '&' to lose.
        var raw = query ?? "";
        var at = raw.StartsWith("?" + Parameter, StringComparison.Ordinal) ? 1 : raw.IndexOf("&" + Parameter, StringComparison.Ordinal) + 1;
        var value = at > 0 ? raw[(at + Parameter.Length)..] : "";
        return value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? value
            : webhook;
    }
}
