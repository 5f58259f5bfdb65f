using System.Globalization;
using Gateway.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Hosting;

/// <summary>
/// Renders a <see cref="Problem"/> as an RFC 9457 answer through ASP.NET Core's problem details
/// service, so that each door's <see cref="IProblemDetailsWriter"/> writes it in the door's own shape.
/// </summary>
public static class ProblemResults
{
    /// <summary>The extension that carries a failed generation's code on <c>/remix</c>.</summary>
    public const string ErrorCodeKey = "error_code";

    private static readonly object CurrentKey = new();

    public static ProblemHttpResult ToResult(this Problem problem, HttpContext http)
    {
        if (problem.RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = RetryAfterSeconds(wait);
        }

        http.Items[CurrentKey] = problem;
        return TypedResults.Problem(problem.Detail, statusCode: problem.Status, title: problem.Type.Title, type: problem.Type.Uri, extensions: ExtensionsOf(problem));
    }

    /// <summary>What an RFC 9457 answer of this problem carries besides type, title, status and detail: the inputs at fault, a failed generation's code.</summary>
    public static Dictionary<string, object?>? ExtensionsOf(Problem problem)
    {
        Dictionary<string, object?>? extensions = null;
        if (problem.Errors is { } errors)
        {
            (extensions ??= [])["errors"] = errors;
        }

        if (problem.Generation is { } generation)
        {
            (extensions ??= [])[ErrorCodeKey] = generation.Code;
        }

        return extensions;
    }

    /// <summary>Writes the answer from middleware, where there is no handler to return it.</summary>
    public static Task WriteAsync(this Problem problem, HttpContext http) => problem.ToResult(http).ExecuteAsync(http);

    /// <summary>The problem this request is answering with, for a door's writer that shows more of it than RFC 9457 has room for.</summary>
    public static Problem? Current(HttpContext http) => http.Items.TryGetValue(CurrentKey, out var problem) ? problem as Problem : null;

    /// <summary>Whole seconds, at least one: <c>Retry-After</c> has no finer grain.</summary>
    public static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
