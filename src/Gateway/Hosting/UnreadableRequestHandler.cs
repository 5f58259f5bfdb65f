using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Gateway.Hosting;

/// <summary>
/// Turns a request the endpoint could not read (malformed JSON, a wrong type, invalid Unicode, no
/// body, a wrong content type) into a 400 problem that names the field, instead of a bare 400.
/// </summary>
internal sealed partial class UnreadableRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is InvalidOperationException && MediaTypeHeaderValue.TryParse(httpContext.Request.ContentType, out var type) && type.Charset.HasValue && type.Encoding is null)
        {
            // The JSON reader cannot decode a body in a charset .NET does not know.
            await ProblemCatalog.UnsupportedMediaType
                .With($"The charset '{type.Charset}' is not one the gateway reads: send UTF-8 JSON (Content-Type: application/json; charset=utf-8).")
                .WriteAsync(httpContext);
            return true;
        }

        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = bad switch
        {
            { InnerException: JsonException json } => Unreadable(json),
            { StatusCode: StatusCodes.Status400BadRequest } => Unbound(bad.Message),
            _ => new ProblemDetails { Status = bad.StatusCode, Detail = bad.Message },
        };
        problem.Status ??= bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    // The framework names the parameter it could not bind: 'Failed to bind parameter "bool logs" from "maybe".'
    // An absent or null body is reported against the body parameter.
    private static HttpValidationProblemDetails Unbound(string message)
    {
        var parameter = ParameterName().Match(message) is { Success: true } match ? match.Groups["name"].Value : null;
        return parameter is null or "request"
            ? Invalid("body", "The body must be a JSON object with the fields video_id and prompt.")
            : Invalid(parameter, $"{parameter} has a value that cannot be read as its type.");
    }

    [GeneratedRegex("parameter \"(?:[^\"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();

    private static HttpValidationProblemDetails Unreadable(JsonException json)
    {
        var field = FieldOf(json.Path);
        return Invalid(field, Explain(json, field));
    }

    // The reader's own words say what went wrong; the caller is told in the gateway's.
    private static string Explain(JsonException json, string field)
    {
        var said = $"{json.Message} {json.InnerException?.Message}";
        if (said.Contains("UTF-8", StringComparison.OrdinalIgnoreCase))
        {
            return $"{field} is not valid UTF-8 text.";
        }

        if (said.Contains("UTF-16", StringComparison.Ordinal) || said.Contains("surrogate", StringComparison.Ordinal))
        {
            return $"{field} is not valid Unicode text (it holds an unpaired surrogate).";
        }

        if (said.Contains("token type", StringComparison.Ordinal))
        {
            return $"{field} must be a JSON string.";
        }

        if (said.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return "The body is nested too deeply: send a flat JSON object with video_id and prompt.";
        }

        if (said.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return $"{field} appears more than once.";
        }

        if (json.InnerException is not null)
        {
            return $"The body is not well-formed JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine}).";
        }

        return field == "body" ? "The body must be a JSON object with the fields video_id and prompt." : $"{field} has a value of the wrong type.";
    }

    // "$.prompt" → "prompt"; "$" (the document itself) → "body".
    private static string FieldOf(string? path) =>
        path is null or "$" || !path.StartsWith("$.", StringComparison.Ordinal)
            ? "body"
            : path[2..].Split('.', '[')[0];

    private static HttpValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = ProblemCatalog.InvalidRequest.Title,
            Type = ProblemCatalog.InvalidRequest.Uri,
            Detail = message,
        };
}
