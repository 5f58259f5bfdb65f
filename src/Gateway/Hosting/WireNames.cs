using System.Text.Json;

namespace Gateway.Hosting;

/// <summary>
/// Validation names the fields at fault by their C# names (<c>VideoId</c>, <c>requestId</c>); callers
/// know them by their wire names (<c>video_id</c>, <c>request_id</c>), which are the same names in
/// snake_case. This renames them, and gives every 400 the gateway's problem type and a detail that
/// reads alone.
/// </summary>
internal static class WireNames
{
    public static void Apply(HttpValidationProblemDetails problem)
    {
        foreach (var (key, messages) in problem.Errors.ToArray())
        {
            // Header names (Idempotency-Key) and names already on the wire keep theirs.
            var wire = key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? JsonNamingPolicy.SnakeCaseLower.ConvertName(key) : key;
            if (wire != key)
            {
                problem.Errors.Remove(key);
                problem.Errors[wire] = messages;
            }
        }

        problem.Type = Gateway.Problems.ProblemCatalog.InvalidRequest.Uri;
        problem.Title = Gateway.Problems.ProblemCatalog.InvalidRequest.Title;
        problem.Detail ??= string.Join(" ", problem.Errors.Values.SelectMany(messages => messages));
    }
}
