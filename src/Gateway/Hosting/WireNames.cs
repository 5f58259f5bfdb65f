namespace Gateway.Hosting;

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
