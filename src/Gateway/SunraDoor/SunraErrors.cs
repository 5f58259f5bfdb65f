using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Callers;
using Gateway.Hosting;
using Gateway.Remix;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Gateway.SunraDoor;

/// <summary>
/// Writes every problem answered on the Sunra doors (<c>/v1</c> and the client proxy) in Sunra's error
/// shape, whoever raised it: a handler, validation, the key check, a limit, an unreadable body, an
/// unknown route. The core keeps deciding the problem; only its rendering differs by door. Served as
/// <c>application/json</c>, since Sunra's Java client reads an error body only with that type.
/// </summary>
internal sealed class SunraErrorWriter(IOptions<ProblemDetailsOptions> problems, IOptions<JsonOptions> json, TimeProvider clock) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => SunraDoorApi.Serves(context.HttpContext.Request.Path);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        // The gateway's own renaming of fields and its words for 413 and 415 apply here too.
        problems.Value.CustomizeProblemDetails?.Invoke(context);
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        var status = problem.Status ?? http.Response.StatusCode;
        var body = new SunraErrorBody
        {
            Error = new SunraErrorDetail
            {
                Type = TypeOf(status),
                Code = CodeOf(problem.Type, status),
                Message = problem.Detail ?? problem.Title ?? "Request failed",
                Details = DetailsOf(problem),
            },
            Timestamp = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            RequestId = http.TraceIdentifier,
        };
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status429TooManyRequests)
        {
            AddRateLimitHeaders(http, body.Error.Code);
        }

        var type = (JsonTypeInfo<SunraErrorBody>)json.Value.SerializerOptions.GetTypeInfo(typeof(SunraErrorBody));
        return new ValueTask(http.Response.WriteAsJsonAsync(body, type, "application/json", http.RequestAborted));
    }

    // Sunra's clients report a limit from these three headers, and only when all three are there: the
    // limit the caller ran into, nothing left, and the seconds until its window turns (the Retry-After).
    // A cap on streams open at once has no window to wait for, so it has none of them.
    private static void AddRateLimitHeaders(HttpContext http, string code)
    {
        var caller = http.RequestServices.GetRequiredService<CallerDirectory>().Named(http.User.Identity?.Name);
        var policy = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
        int? limit = (caller, code, policy) switch
        {
            (null, _, _) => null,
            (_, "QUOTA_EXHAUSTED", _) => caller.DailySubmitQuota,
            (_, "RATE_LIMITED", CallerPolicies.Submit) => caller.SubmitsPerMinute,
            (_, "RATE_LIMITED", CallerPolicies.Read or CallerPolicies.Events) => caller.ReadsPerMinute,
            _ => null,
        };
        var headers = http.Response.Headers;
        if (limit is not null && int.TryParse(headers.RetryAfter, CultureInfo.InvariantCulture, out var reset))
        {
            headers["x-ratelimit-limit"] = limit.Value.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining"] = "0";
            headers["x-ratelimit-reset"] = reset.ToString(CultureInfo.InvariantCulture);
        }
    }

    // Sunra's error types; its documented vocabulary is short, so the rest follows its naming.
    private static string TypeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "authorization_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status422UnprocessableEntity => "validation_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    /// <summary>The problem type's name in Sunra's style: <c>/problems/rate-limited</c> is <c>RATE_LIMITED</c>.</summary>
    internal static string CodeOf(string? type, int status) => type switch
    {
        not null when type.StartsWith("/problems/", StringComparison.Ordinal) =>
            type["/problems/".Length..].Replace('-', '_').ToUpperInvariant(),
        _ when status == StatusCodes.Status404NotFound => "NOT_FOUND",
        _ when status == StatusCodes.Status405MethodNotAllowed => "METHOD_NOT_ALLOWED",
        _ => "HTTP_" + status.ToString(CultureInfo.InvariantCulture),
    };

    // The fields at fault for a 400, or the problem's other facts (Sunra's error for a failed generation).
    private JsonElement? DetailsOf(ProblemDetails problem)
    {
        object? details = problem switch
        {
            HttpValidationProblemDetails { Errors.Count: > 0 } invalid => invalid.Errors,
            _ when problem.Extensions.TryGetValue("errors", out var errors) => errors,
            _ when problem.Extensions.TryGetValue(SunraDoorProblems.DetailsKey, out var sunra) => sunra,
            _ => problem.Extensions.Where(e => e.Key != "traceId").ToDictionary(),
        };
        return details is null or IDictionary<string, object?> { Count: 0 }
            ? null
            : JsonSerializer.SerializeToElement(details, details.GetType(), json.Value.SerializerOptions);
    }
}

/// <summary>The problems only the Sunra doors have: what Sunra's protocol says that <c>/remix</c> says otherwise.</summary>
internal static class SunraDoorProblems
{
    /// <summary>An extension whose value becomes Sunra's <c>details</c> as it is.</summary>
    public const string DetailsKey = "sunra_details";

    public const string EndpointNotFound = "/problems/endpoint-not-found";
    public const string RequestNotCompleted = "/problems/request-not-completed";
    public const string PredictionFailed = "/problems/prediction-failed";
    public const string ProxyTargetRefused = "/problems/proxy-target-refused";

    public static GatewayProblem UnknownEndpoint(string endpointId) =>
        new(
            StatusCodes.Status404NotFound,
            EndpointNotFound,
            "No such endpoint",
            $"The gateway fronts only the endpoint {SunraDoorApi.EndpointId}, not '{endpointId}'.");

    /// <summary>What Sunra answers for the result of a request that is still queued or running.</summary>
    public static GatewayProblem NotCompleted(string requestId) =>
        new(
            StatusCodes.Status400BadRequest,
            RequestNotCompleted,
            "The request has not completed",
            $"Request '{requestId}' has not completed yet: follow its status_url until it is COMPLETED.");

    /// <summary>Sunra's answer for the result of a failed generation: a 400 whose details are the generation's error.</summary>
    public static GatewayProblem Failed(RemixError? error) =>
        new(
            StatusCodes.Status400BadRequest,
            PredictionFailed,
            "The generation failed",
            error?.Message ?? "The request completed without a video.")
        {
            Extensions = new Dictionary<string, object?> { [DetailsKey] = error ?? new RemixError { Code = "unknown_error_code", Message = "The request completed without a video." } },
        };

    public static GatewayProblem TargetRefused(string why) =>
        new(StatusCodes.Status400BadRequest, ProxyTargetRefused, "The proxy target is refused", why);
}
