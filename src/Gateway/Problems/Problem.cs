namespace Gateway.Problems;

/// <summary>
/// A problem answer decided away from HTTP: its type, what this occurrence is about, and what comes
/// with it. The core returns it; each door renders it.
/// </summary>
public sealed record Problem(ProblemType Type, string Detail)
{
    /// <summary>How long the caller should wait before trying again (the <c>Retry-After</c> header).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The inputs at fault, by their wire names, each with what is wrong (<c>errors</c>).</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>
    /// Sunra's own account of a failed generation (code, message, details), relayed after redaction:
    /// <c>/remix</c> shows its code as <c>error_code</c>, the Sunra doors give it whole as <c>details</c>.
    /// </summary>
    public GenerationFailure? Generation { get; init; }

    /// <summary>The limit the caller ran into, for a refusal by a limit (the Sunra doors answer it as <c>x-ratelimit-limit</c>).</summary>
    public int? Limit { get; init; }

    public int Status => Type.Status;

    /// <summary>A 400 for one input: <c>errors</c> names it with what to fix.</summary>
    public static Problem Invalid(string field, string detail, string? error = null) =>
        ProblemCatalog.InvalidRequest.With(detail) with { Errors = new Dictionary<string, string[]> { [field] = [error ?? detail] } };
}

/// <summary>Why Sunra says a generation failed, as it said it (already redacted).</summary>
public sealed record GenerationFailure(string? Code, string Message, System.Text.Json.JsonElement? Details = null, string? Timestamp = null);
