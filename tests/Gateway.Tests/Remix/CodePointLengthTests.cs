using System.ComponentModel.DataAnnotations;
using Gateway.Core;
using Gateway.Hosting;

namespace Gateway.Tests.Remix;

/// <summary>The code-point count that the prompt limit rests on, checked against .NET's own rune enumeration.</summary>
public sealed class CodePointLengthTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("é", 1)]
    [InlineData("e\u0301", 2)]
    [InlineData("\U0001F3AC", 1)]
    [InlineData("\U0001F468\u200D\U0001F469\u200D\U0001F467", 5)]
    [InlineData("a\U0001F3ACb\U00010000", 4)]
    public void Code_points_are_counted_as_JSON_Schema_counts_characters(string text, int expected)
    {
        Assert.Equal(expected, CodePointLengthAttribute.Count(text));
        Assert.Equal(text.EnumerateRunes().Count(), CodePointLengthAttribute.Count(text));
    }

    [Fact]
    public void The_limit_is_inclusive_at_both_ends_and_counts_astral_characters_once()
    {
        var attribute = new CodePointLengthAttribute(1, 3);

        Assert.True(Validate(attribute, "\U0001F3AC\U0001F3AC\U0001F3AC"));
        Assert.True(Validate(attribute, "a"));
        Assert.False(Validate(attribute, ""));
        Assert.False(Validate(attribute, "\U0001F3AC\U0001F3AC\U0001F3ACa"));
    }

    [Fact]
    public void The_message_uses_the_wire_name_of_the_field()
    {
        var context = new ValidationContext(new object()) { MemberName = nameof(RemixRequest.VideoId) };

        var result = new CodePointLengthAttribute(1, 2).GetValidationResult("abc", context);

        Assert.StartsWith("video_id must be 1 to 2 characters", result?.ErrorMessage, StringComparison.Ordinal);
    }

    private static bool Validate(CodePointLengthAttribute attribute, string value) =>
        attribute.GetValidationResult(value, new ValidationContext(new object()) { MemberName = "Prompt" }) == ValidationResult.Success;
}
