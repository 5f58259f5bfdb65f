using Gateway.Callers;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Callers;

/// <summary>A setting that cannot work, cannot be read or does not exist stops the real process at start-up, naming it.</summary>
public sealed class CallerSettingsTests
{
    private const string GoodHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    [Theory]
    [FullTier("the gateway as a process")]
    [InlineData("Gateway__Clients__ops__KeySha256", "not-hex", "Gateway:Clients:ops:KeySha256 must be the SHA-256")]
    [InlineData("Gateway__Clients__ops__KeySha256", "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", "Gateway:Clients:ops:KeySha256 must be the SHA-256")]
    [InlineData("Gateway__Clients__ops__SubmitsPerMinute", "0", "Gateway:Clients:ops:SubmitsPerMinute must be at least 1")]
    [InlineData("Gateway__Defaults__DailySubmitQuota", "0", "Gateway:Defaults:DailySubmitQuota must be at least 1")]
    [InlineData("Gateway__Clients__copy__KeySha256", GoodHash, "have the same key")]
    [InlineData("Gateway__Clients__ops__SubmitsPerMinute", "ten", "at 'Gateway:Clients:ops:SubmitsPerMinute'")]
    [InlineData("Gateway__Clients__ops__DailyQuota", "5", "not found on the instance of Gateway.Callers.CallerOptions: 'DailyQuota'")]
    [InlineData("Sunra__TimeoutSecond", "5", "not found on the instance of Gateway.Sunra.SunraOptions: 'TimeoutSecond'")]
    [InlineData("Gateway__Records__RetentionDays", "0", "Gateway:Records:RetentionDays must be between 1 and 3650")]
    [InlineData("Gateway__Records__RetentionDays", "a month", "Gateway:Records:RetentionDays")]
    [InlineData("Gateway__Records__KeepPrompt", "true", "not found on the instance of Gateway.Core.RecordsOptions: 'KeepPrompt'")]
    public async Task A_wrong_caller_setting_stops_the_start_and_names_the_setting(string variable, string value, string message)
    {
        var environment = new Dictionary<string, string?>
        {
            ["SUNRA_KEY"] = "sk_canary_settings_000000000000000",
            ["Gateway__Clients__ops__KeySha256"] = GoodHash,
        };
        environment[variable] = value;
        await using var gateway = GatewayProcess.Start([], environment);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await gateway.Process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, gateway.Process.ExitCode);
        Assert.Contains(message, gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodHash, gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_hash_is_the_lowercase_hex_SHA_256_of_the_key_as_UTF8() =>
        Assert.Equal(GoodHash, CallerDirectory.HashOf("hello"));
}
