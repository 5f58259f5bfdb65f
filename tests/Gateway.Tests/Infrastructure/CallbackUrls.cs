using Sunra.Emulator;

namespace Gateway.Tests.Infrastructure;

/// <summary>The callback URL a submit asked Sunra to call back at, as the emulator recorded the submit.</summary>
internal static class CallbackUrls
{
    private const string Route = "/sunra/callbacks/";

    /// <summary>The submit's <c>webhook</c> query parameter, decoded.</summary>
    public static string WebhookOf(RecordedCall submit) =>
        Uri.UnescapeDataString(submit.PathAndQuery.Split('?', 2)[1].Split('&').Single(part => part.StartsWith("webhook=", StringComparison.Ordinal))["webhook=".Length..]);

    /// <summary>The token: the callback URL's last segment, its ticket's id and secret.</summary>
    public static string TokenOf(RecordedCall submit)
    {
        var webhook = WebhookOf(submit);
        return webhook[(webhook.IndexOf(Route, StringComparison.Ordinal) + Route.Length)..];
    }
}
