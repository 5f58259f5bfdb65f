using System.ComponentModel.DataAnnotations;

namespace Gateway.Hosting;

/// <summary>
/// A string length counted in Unicode code points, as JSON Schema's <c>minLength</c>/<c>maxLength</c>
/// count it. <see cref="StringLengthAttribute"/> counts UTF-16 units, so it would refuse 5000 emoji
/// (10000 units) that Sunra accepts. The OpenAPI schema still shows the limits: see
/// <c>ContractSchemaTransformer</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class CodePointLengthAttribute(int minimum, int maximum) : ValidationAttribute
{
    public int Minimum { get; } = minimum;

    public int Maximum { get; } = maximum;

    public static int Count(ReadOnlySpan<char> text)
    {
        var count = text.Length;
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }

        return count;
    }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string text)
        {
            return ValidationResult.Success;
        }

        var count = Count(text);
        if (count >= Minimum && count <= Maximum)
        {
            return ValidationResult.Success;
        }

        var name = validationContext.MemberName is { } member ? JsonName(member) : "The value";
        return new ValidationResult(
            $"{name} must be {Minimum} to {Maximum} characters (Unicode code points); it has {count}.",
            validationContext.MemberName is { } m ? [m] : null);
    }

    private static string JsonName(string member) =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(member);
}
