using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Gateway.Remix;

/// <summary>
/// What a <c>request_id</c> may look like before it goes into an upstream URL: letters, digits,
/// <c>_</c> and <c>-</c>, at most 128 of them. Nothing else (dots, slashes, percent signs) can
/// reach Sunra's path.
/// </summary>
public static partial class RequestIds
{
    public const string Pattern = "^[A-Za-z0-9_-]{1,128}$";

    public static bool IsValid(string? value) => value is not null && Matcher().IsMatch(value);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Matcher();
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
