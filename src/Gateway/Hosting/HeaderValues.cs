namespace Gateway.Hosting;

public static class HeaderValues
{
    /// <summary>
    /// A header as the caller sent it: null when absent, "" when present but empty. ASP.NET Core binds
    /// an empty header as absent, yet it is a value the caller meant to send.
    /// </summary>
    public static string? HeaderAsSent(this HttpRequest request, string name, string? bound) =>
        bound ?? (request.Headers.ContainsKey(name) ? "" : null);
}
