using System.Buffers;
using System.ComponentModel.DataAnnotations;

namespace Gateway.Sunra;

/// <summary>
/// What a <c>request_id</c> may look like before it goes into an upstream URL: letters, digits,
/// <c>_</c> and <c>-</c>, at most 128 of them. Nothing else (dots, slashes, percent signs) can
/// reach Sunra's path.
/// </summary>
public static class RequestIds
{
    /// <summary>The rule as a pattern, for the OpenAPI document and the route's validation attribute.</summary>
    public const string Pattern = "^[A-Za-z0-9_-]{1,128}$";

    public const int MaxLength = 128;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    // Checked by hand rather than with Pattern: a regex "$" also matches before a final "\n".
    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength } && !value.AsSpan().ContainsAnyExcept(Allowed);
}

/// <summary>Validates a route's <c>request_id</c> against <see cref="RequestIds.Pattern"/>; the OpenAPI document shows the pattern.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class RequestIdAttribute : RegularExpressionAttribute
{
    public RequestIdAttribute()
        : base(RequestIds.Pattern)
    {
        ErrorMessage = "request_id must be 1 to 128 letters, digits, '_' or '-'.";
    }
}
