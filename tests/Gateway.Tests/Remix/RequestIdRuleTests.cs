using Gateway.Sunra;

namespace Gateway.Tests.Remix;

public sealed class RequestIdRuleTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("pd_0123456789abcdef")]
    [InlineData("A-z_9")]
    public void Letters_digits_underscores_and_dashes_are_a_request_id(string id) => Assert.True(RequestIds.IsValid(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc\n")]
    [InlineData("\nabc")]
    [InlineData("a.b")]
    [InlineData("a/b")]
    [InlineData("a%2Fb")]
    [InlineData("ü")]
    [InlineData("a b")]
    public void Anything_else_is_not(string? id) => Assert.False(RequestIds.IsValid(id));

    [Fact]
    public void The_length_is_bounded_at_128()
    {
        Assert.True(RequestIds.IsValid(new string('a', RequestIds.MaxLength)));
        Assert.False(RequestIds.IsValid(new string('a', RequestIds.MaxLength + 1)));
    }
}
