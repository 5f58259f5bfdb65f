using Xunit.v3;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Marks a test, or a class of them, that needs more than the .NET SDK: a process of its own
/// (redis-server, nginx, Chromium, Node, curl, the gateway run as <c>dotnet Gateway.dll</c>) or the
/// published gateway. It runs in the full suite (<c>bash tests/run.sh</c>) and not in the fast tier
/// (<c>bash tests/run.sh --fast</c>, which leaves out the trait <c>Tier=Full</c>). Every other test
/// runs in both: in-process hosts and the emulator on a loopback port need nothing but the SDK.
/// </summary>
/// <param name="needs">What the test needs beyond the SDK, for the reader.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class FullTierAttribute(string needs) : Attribute, ITraitAttribute
{
    /// <summary>What <c>tests/run.sh --fast</c> sets <see cref="TierVariable"/> to.</summary>
    public const string FastTier = "fast";

    /// <summary>The environment variable that names the tier being run.</summary>
    public const string TierVariable = "GATEWAY_TESTS_TIER";

    public string Needs => needs;

    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new("Tier", "Full")];

    /// <summary>
    /// Called where the tests start an outside process: in the fast tier, a test that got there without
    /// this attribute fails, naming what it starts, instead of starting it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The fast tier is running.</exception>
    public static void Require(string what)
    {
        if (Environment.GetEnvironmentVariable(TierVariable) == FastTier)
        {
            throw new InvalidOperationException(
                $"This test needs {what}, which the fast tier (tests/run.sh --fast) does not start: mark it [FullTier(\"{what}\")].");
        }
    }
}
