using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Microsoft.AspNetCore.Diagnostics;

namespace Gateway.Hosting;

public static class ProblemExtensions
{
    /// <summary>RFC 9457 answers for every refusal: validation, unreadable bodies, unknown routes, and the unexpected.</summary>
    public static WebApplicationBuilder AddGatewayProblems(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (context.ProblemDetails is HttpValidationProblemDetails invalid)
            {
                WireNames.Apply(invalid);
            }

            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
            {
                context.ProblemDetails.Type = ProblemTypes.PayloadTooLarge;
                context.ProblemDetails.Title = "The body is too large";
                context.ProblemDetails.Detail = $"A remix request is at most {EdgeExtensions.MaxRequestBodyBytes / 1024} KiB.";
            }

            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                context.ProblemDetails.Type = ProblemTypes.UnsupportedMediaType;
                context.ProblemDetails.Detail ??= "Send the body as UTF-8 JSON, with Content-Type: application/json.";
            }
        });
        builder.Services.AddValidation();
        builder.Services.AddExceptionHandler<UnreadableRequestHandler>();

        // Binding failures are thrown so that UnreadableRequestHandler can name the field at fault.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    public static WebApplication UseGatewayProblems(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        // RFC 9110 allows charset="utf-8"; the JSON reader knows the charset only unquoted.
        app.Use((context, next) =>
        {
            if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
                && type.Charset is { HasValue: true } charset
                && HeaderUtilities.RemoveQuotes(charset) is var unquoted
                && unquoted.Length != charset.Length)
            {
                type.Charset = unquoted;
                context.Request.ContentType = type.ToString();
            }

            return next(context);
        });
        return app;
    }
}

/// <summary>
/// Validation names the fields at fault by their C# names (<c>VideoId</c>, <c>requestId</c>); callers
/// know them by their wire names (<c>video_id</c>, <c>request_id</c>). This renames them, and gives
/// every 400 the gateway's problem type and a detail that reads alone.
/// </summary>
internal static class WireNames
{
    private static readonly Dictionary<string, string> Names = Build();

    public static void Apply(HttpValidationProblemDetails problem)
    {
        foreach (var (key, messages) in problem.Errors.ToArray())
        {
            if (Names.TryGetValue(key, out var wire) && wire != key)
            {
                problem.Errors.Remove(key);
                problem.Errors[wire] = messages;
            }
        }

        problem.Type = ProblemTypes.InvalidRequest;
        problem.Title = "The request is invalid";
        problem.Detail ??= string.Join(" ", problem.Errors.Values.SelectMany(messages => messages));
    }

    private static Dictionary<string, string> Build()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { ["requestId"] = "request_id" };
        foreach (var property in Gateway.Remix.RemixJsonContext.Default.RemixRequest.Properties)
        {
            if (property.AttributeProvider is System.Reflection.PropertyInfo member)
            {
                names[member.Name] = property.Name;
            }
        }

        return names;
    }
}

/// <summary>
/// Turns a request the endpoint could not read (malformed JSON, a wrong type, invalid Unicode, no
/// body, a wrong content type) into a 400 problem that names the field, instead of a bare 400.
/// </summary>
internal sealed partial class UnreadableRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is InvalidOperationException && MediaTypeHeaderValue.TryParse(httpContext.Request.ContentType, out var type) && type.Charset.HasValue)
        {
            // The JSON reader does not know the request's charset.
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = "Unsupported charset",
                    Detail = $"The charset '{type.Charset}' is not one the gateway reads: send UTF-8 JSON (Content-Type: application/json; charset=utf-8).",
                },
            });
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
        var message = json.InnerException switch
        {
            _ when json.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || json.InnerException?.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) is true =>
                $"{field} is not valid UTF-8 text.",
            InvalidOperationException e when e.Message.Contains("UTF-16", StringComparison.Ordinal) || e.Message.Contains("surrogate", StringComparison.Ordinal) =>
                $"{field} is not valid Unicode text (it holds an unpaired surrogate).",
            InvalidOperationException e when e.Message.Contains("token type", StringComparison.Ordinal) => $"{field} must be a JSON string.",
            _ when json.Message.Contains("depth", StringComparison.OrdinalIgnoreCase) || json.InnerException?.Message.Contains("depth", StringComparison.OrdinalIgnoreCase) is true =>
                "The body is nested too deeply: send a flat JSON object with video_id and prompt.",
            _ when json.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) => $"{field} appears more than once.",
            _ when json.InnerException is not null => $"The body is not well-formed JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine}).",
            _ when field == "body" => "The body must be a JSON object with the fields video_id and prompt.",
            _ => $"{field} has a value of the wrong type.",
        };
        return Invalid(field, message);
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
            Title = "The request is invalid",
            Type = ProblemTypes.InvalidRequest,
            Detail = message,
        };
}
