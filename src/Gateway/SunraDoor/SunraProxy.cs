using System.Buffers;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.SunraDoor;

/// <summary>
/// Sunra's client proxy protocol, the safe way: the JavaScript and Java/Kotlin clients, given a
/// <c>proxyUrl</c>, send each call there with the real Sunra URL in <c>X-Sunra-Target-Url</c>. Sunra's
/// own proxy relays to any such URL with any key. This one relays nothing: a target that is one of
/// Sunra's queue URLs for the endpoint the gateway fronts becomes the same call on the gateway's
/// <c>/v1</c> door, with every rule of that door; anything else is refused before anything is sent
/// anywhere. The caller's <c>Authorization</c> is its gateway key, read by the gateway and never passed on.
/// </summary>
internal static class SunraProxy
{
    public const string Route = "/api/sunra/proxy";

    public const string TargetHeader = "X-Sunra-Target-Url";

    /// <summary>Where a target must start, exactly: https, Sunra's API host, its default port, its queue.</summary>
    private const string QueuePrefix = "https://api.sunra.ai/v1/queue/";

    public const int MaxTargetLength = 8192;

    /// <summary>What a target must start with, as the document's pattern.</summary>
    public const string TargetPattern = "^https://api\\.sunra\\.ai/v1/queue/";

    /// <summary>The proxy's operations, one per method: each is the <c>/v1</c> call its target names.</summary>
    public const string ReadOperation = "SunraProxyGet";

    public const string SubmitOperation = "SunraProxyPost";

    public const string CancelOperation = "SunraProxyPut";

    public static bool IsProxyOperation(string? operationId) => operationId is ReadOperation or SubmitOperation or CancelOperation;

    private static readonly object RefusalKey = new();

    private static readonly SearchValues<char> PathCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./");

    /// <summary>
    /// Before routing and the caller's authentication: a target that is served becomes the <c>/v1</c> call
    /// it stands for; a refused one is left to <see cref="Refuse(HttpContext)"/>, the proxy route's own
    /// endpoint, so that a caller without a key hears 401 first, as on every route.
    /// </summary>
    public static async Task TranslateAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var target = Parse(request.Method, request.Headers[TargetHeader]);
        if (target.Refusal is { } refusal)
        {
            context.Items[RefusalKey] = refusal;
            await next(context);
            return;
        }

        var (path, query) = (request.Path, request.QueryString);
        request.Path = target.Path;
        request.QueryString = target.Query;
        try
        {
            await next(context);
        }
        finally
        {
            // The request line in the log names the door the caller used.
            request.Path = path;
            request.QueryString = query;
        }
    }

    /// <summary>The proxy route's answer when its target is refused: nothing is sent anywhere.</summary>
    internal static ProblemHttpResult Refuse(HttpContext http) =>
        ((Problem)http.Items[RefusalKey]!).ToResult(http);

    /// <summary>
    /// The <c>/v1</c> path and query a target stands for, or why it is refused. The raw header is
    /// checked as written: <see cref="Uri"/> resolves <c>..</c>, <c>%2e%2e</c> and backslashes before
    /// anyone sees its path, so a target that walks out of the queue and back in would look valid.
    /// </summary>
    public static ProxyTarget Parse(string method, Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count != 1 || string.IsNullOrEmpty(header[0]))
        {
            return Refused($"Send exactly one {TargetHeader} header with the Sunra queue URL to call, as Sunra's clients do when given a proxyUrl.");
        }

        var raw = header[0]!;
        if (raw.Length > MaxTargetLength || !raw.StartsWith(QueuePrefix, StringComparison.Ordinal))
        {
            return Refused($"The target must be one of Sunra's queue URLs, starting with {QueuePrefix}: no other scheme, host, port or path is served.");
        }

        if (raw.AsSpan().IndexOfAnyExceptInRange('!', '~') >= 0 || raw.Contains('#', StringComparison.Ordinal))
        {
            return Refused("The target must be a plain URL: no spaces, control or non-ASCII characters, and no fragment.");
        }

        var queryAt = raw.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? raw[(QueuePrefix.Length - 1)..] : raw[(QueuePrefix.Length - 1)..queryAt];
        var query = queryAt < 0 ? QueryString.Empty : new QueryString(raw[queryAt..]);
        if (path.AsSpan().ContainsAnyExcept(PathCharacters) || path.Split('/')[1..].Any(segment => segment is "" or "." or ".."))
        {
            return Refused("The target's path must be written plainly: no percent-encoding, backslashes, empty segments or dot segments.");
        }

        // Belt and braces: the URL must also read the same to Uri, the host and path unchanged.
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Host != "api.sunra.ai" || !uri.IsDefaultPort || uri.UserInfo.Length > 0
            || "/v1/queue" + path != uri.AbsolutePath)
        {
            return Refused($"The target must be one of Sunra's queue URLs, starting with {QueuePrefix}.");
        }

        return Match(method, path[1..], query);
    }

    // The calls of Sunra's queue protocol for the endpoint the gateway fronts, each with its method.
    private static ProxyTarget Match(string method, string path, QueryString query)
    {
        (string? Method, string? V1Path) route = path.Split('/') switch
        {
            ["requests", var id] when RequestIds.IsValid(id) => ("GET", $"/queue/requests/{id}"),
            ["requests", var id, "status"] when RequestIds.IsValid(id) => ("GET", $"/queue/requests/{id}/status"),
            ["requests", var id, "status", "stream"] when RequestIds.IsValid(id) => ("GET", $"/queue/requests/{id}/status/stream"),
            ["requests", var id, "cancel"] when RequestIds.IsValid(id) => ("PUT", $"/queue/requests/{id}/cancel"),
            ["requests", ..] => (null, null),
            _ when path == SunraDoorApi.EndpointId => ("POST", "/queue/" + path),
            _ => ("", null),
        };

        return route.Method switch
        {
            null => Refused("The target is not one of Sunra's queue calls on a request: /requests/{request_id}, /status, /status/stream or /cancel."),
            "" => new ProxyTarget(default, default, ProblemCatalog.UnknownEndpoint(SunraDoorApi.EndpointId, path)),
            var expected when !HttpMethods.Equals(method, expected) => Refused($"The target is called with {expected}, not {method}."),
            _ => new ProxyTarget(SunraDoorApi.Base + route.V1Path, query, null),
        };
    }

    private static ProxyTarget Refused(string why) => new(default, default, ProblemCatalog.ProxyTargetRefused.With(why));
}

/// <summary>A proxy target: the <c>/v1</c> call it stands for, or the refusal.</summary>
internal readonly record struct ProxyTarget(PathString Path, QueryString Query, Problem? Refusal);
