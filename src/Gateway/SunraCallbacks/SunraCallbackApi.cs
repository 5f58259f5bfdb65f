using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.SunraCallbacks;

/// <summary>
/// Sunra's own door into the gateway: the callback it POSTs when a remix ends, at the URL each submit
/// carried (<see cref="RemixCallbacks"/>). Sunra has no caller key, so the route is anonymous, like the
/// health routes; it reads no body, is held to a small body and a rate of its own, and is not among the
/// routes Swagger UI offers to try: the OpenAPI document shows it as the submit's callback.
/// </summary>
public static partial class SunraCallbackApi
{
    /// <summary>The callbacks' rate limit: one partition for all, on each replica.</summary>
    public const string Policy = "sunra-callbacks";

    /// <summary>Callbacks a second each replica takes; Sunra sends one per remix.</summary>
    private const int PerSecond = 50;

    /// <summary>
    /// Callbacks over the rate wait their turn, first come first served, rather than being refused:
    /// Sunra does not say it sends a callback again, and remixes submitted together (up to 100 a minute
    /// on one account) end together. Beyond the line, a 429.
    /// </summary>
    private const int InLine = 100;

    /// <summary>A callback's body is never read; anything larger than Sunra's outcome is refused unread.</summary>
    private const long MaxBodyBytes = 16 * 1024;

    public static WebApplicationBuilder AddSunraCallbacks(this WebApplicationBuilder builder)
    {
        builder.Services.AddRateLimiter(options => options.AddPolicy(Policy, _ => RateLimitPartition.GetFixedWindowLimiter(
            Policy, _ => new FixedWindowRateLimiterOptions { PermitLimit = PerSecond, Window = TimeSpan.FromSeconds(1), QueueLimit = InLine, QueueProcessingOrder = QueueProcessingOrder.OldestFirst })));
        builder.Services.AddSingleton(new SecretPathPrefix(RemixCallbacks.Route + "/"));
        builder.Services.AddOpenApiParts(openApi => openApi.AddOperationTransformer<SunraCallbackOpenApi>());
        return builder;
    }

    public static IEndpointRouteBuilder MapSunraCallbacks(this IEndpointRouteBuilder app)
    {
        app.MapPost(RemixCallbacks.Route + "/{token}", Heard)
            .AllowAnonymous()
            .RequireRateLimiting(Policy)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// 204 when the token is a remix's (its status has been asked of Sunra); 404, and nothing done,
    /// otherwise. The body is never read, so its size is judged by its Content-Length: the request size
    /// limit alone acts only on a body that is read.
    /// </summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> Heard(string token, RemixCallbacks callbacks, HttpContext http)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return ProblemCatalog.PayloadTooLarge.AsProblem().ToResult(http);
        }

        return TokenShape().IsMatch(token) && await callbacks.HeardAsync(token)
            ? TypedResults.NoContent()
            : ProblemCatalog.CallbackUnknown.AsProblem().ToResult(http);
    }

    // The shape RemixCallbacks issues: 32 hex digits, a dot, 43 base64url characters. Anything else is
    // refused without a look in the store.
    [GeneratedRegex("^[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenShape();
}
