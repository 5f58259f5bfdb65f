namespace Gateway.Problems;

/// <summary>
/// One kind of refusal or failure the gateway can answer with: its RFC 9457 <c>type</c>, HTTP status
/// and title, and the detail it says when nothing more precise is known. Each is defined once, in
/// <see cref="ProblemCatalog"/>; every door renders it in its own shape, and the OpenAPI examples are
/// made from it.
/// </summary>
public sealed record ProblemType(string Uri, int Status, string Title, string Detail)
{
    private const string Prefix = "/problems/";

    /// <summary>Whether the answer says when to try again (<c>Retry-After</c>).</summary>
    public bool WithRetryAfter { get; init; }

    /// <summary>The problem with this type's own detail.</summary>
    public Problem AsProblem() => new(this, Detail);

    /// <summary>The problem with a detail of its own (what this occurrence is about).</summary>
    public Problem With(string detail) => new(this, detail);

    /// <summary>The type in Sunra's style, as the Sunra doors answer it: <c>/problems/rate-limited</c> is <c>RATE_LIMITED</c>.</summary>
    public string Code => Uri[Prefix.Length..].Replace('-', '_').ToUpperInvariant();

    /// <summary>The last segment of the type, a short name for examples: <c>rate-limited</c>.</summary>
    public string Name => Uri[Prefix.Length..];
}
