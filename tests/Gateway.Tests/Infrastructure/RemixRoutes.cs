namespace Gateway.Tests.Infrastructure;

/// <summary>The routes that act on one remix, listed once for every test that must cover them all.</summary>
public static class RemixRoutes
{
    public static readonly (string Method, string Path)[] OnOneRemix =
    [
        ("GET", "/remix/{0}/status"),
        ("GET", "/remix/{0}"),
        ("POST", "/remix/{0}/cancel"),
        ("GET", "/remix/{0}/events"),
        ("DELETE", "/remix/{0}"),
    ];

    /// <summary>Each route on one remix as (method, path) for this request id.</summary>
    public static TheoryData<string, string> For(string requestId)
    {
        var data = new TheoryData<string, string>();
        foreach (var (method, path) in OnOneRemix)
        {
            data.Add(method, Path(path, requestId));
        }

        return data;
    }

    public static string Path(string route, string requestId) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, route, requestId);
}
