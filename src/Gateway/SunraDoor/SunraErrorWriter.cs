using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Problems;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Sunra.Protocol;

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
        var decided = ProblemResults.Current(http);
        var body = Render(
            status,
            CodeOf(problem.Type, status),
            problem.Detail ?? problem.Title ?? "Request failed",
            DetailsOf(problem, decided),
            clock.GetUtcNow(),
            http.TraceIdentifier);
        http.Response.StatusCode = status;

        // Sunra's clients report a limit from these three headers, and only when all three are there: the
        // limit the caller ran into, nothing left, and the seconds until its window turns (the Retry-After).
        // A cap on streams open at once has no window to wait for, so it has none of them.
        var headers = http.Response.Headers;
        if (decided?.Limit is { } limit && int.TryParse(headers.RetryAfter, CultureInfo.InvariantCulture, out var reset))
        {
            headers[SunraAccountLimits.LimitHeader] = limit.ToString(CultureInfo.InvariantCulture);
            headers[SunraAccountLimits.RemainingHeader] = "0";
            headers[SunraAccountLimits.ResetHeader] = reset.ToString(CultureInfo.InvariantCulture);
        }

        return new ValueTask(http.Response.WriteAsJsonAsync(body, SunraProtocolJsonContext.Default.SunraErrorBody, "application/json", http.RequestAborted));
    }

    /// <summary>A problem in Sunra's error shape: its code, and the type Sunra gives its status.</summary>
    internal static SunraErrorBody Render(int status, string code, string message, JsonElement? details, DateTimeOffset now, string requestId) =>
        new SunraError(code, status).Body(message, details, now, requestId);

    private static readonly FrozenDictionary<string, string> CodesByType = ProblemCatalog.All.ToFrozenDictionary(type => type.Uri, type => type.Code, StringComparer.Ordinal);

    /// <summary>The problem type's code (<c>/problems/rate-limited</c> is <c>RATE_LIMITED</c>); the framework's own answers by their status.</summary>
    internal static string CodeOf(string? type, int status) =>
        (type is not null && CodesByType.TryGetValue(type, out var code) ? code : null) ?? status switch
        {
            StatusCodes.Status404NotFound => "NOT_FOUND",
            StatusCodes.Status405MethodNotAllowed => "METHOD_NOT_ALLOWED",
            _ => "HTTP_" + status.ToString(CultureInfo.InvariantCulture),
        };

    /// <summary>A problem the gateway decided, as Sunra's <c>details</c>: Sunra's account of a failed generation, or the inputs at fault.</summary>
    internal static JsonElement? DetailsOf(Problem problem) => problem switch
    {
        { Generation: { } generation } => JsonSerializer.SerializeToElement(generation, SunraDoorJsonContext.Default.GenerationFailure),
        { Errors: { } errors } => JsonSerializer.SerializeToElement(errors, SunraDoorJsonContext.Default.IReadOnlyDictionaryStringStringArray),
        _ => null,
    };

    // A problem the gateway decided says its own details; one the framework raised (validation, an
    // unreadable body, an unknown route) has the fields at fault, or its other facts.
    private JsonElement? DetailsOf(ProblemDetails problem, Problem? decided)
    {
        if (decided is not null)
        {
            return DetailsOf(decided);
        }

        object? details = problem switch
        {
            HttpValidationProblemDetails { Errors.Count: > 0 } invalid => invalid.Errors,
            _ => problem.Extensions.Where(e => e.Key != "traceId").ToDictionary(),
        };
        return details is null or IDictionary<string, object?> { Count: 0 }
            ? null
            : JsonSerializer.SerializeToElement(details, details.GetType(), json.Value.SerializerOptions);
    }
}
