using Sunra.Emulator;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One emulator and one gateway in front of it. A <see cref="GatewayTest"/> makes one for each test,
/// or shares its class's: a class whose tests do not disturb each other takes one as an xunit class
/// fixture (<c>IClassFixture&lt;GatewayHost&gt;</c>, or a subclass that sets the options), as
/// dotnet/eShop's test classes share their host.
/// </summary>
/// <remarks>
/// Tests that line up emulator faults, count what Sunra received in all, move a clock, spend a
/// caller's limits or read the whole log would see each other's traces in a shared host: they keep
/// one of their own.
/// </remarks>
public class GatewayHost : IAsyncLifetime
{
    private readonly Action<EmulatorOptions>? _emulator;
    private readonly TimeProvider? _clock;
    private readonly IReadOnlyDictionary<string, string?>? _settings;
    private readonly TimeProvider? _gatewayClock;

    /// <summary>The emulator and gateway with their defaults.</summary>
    public GatewayHost()
    {
    }

    /// <param name="emulator">Changes to the emulator's options.</param>
    /// <param name="clock">The emulator's clock.</param>
    /// <param name="settings">The gateway's settings, on top of the factory's.</param>
    /// <param name="gatewayClock">The gateway's clock, for tests that must know which window of time they are in.</param>
    internal GatewayHost(
        Action<EmulatorOptions>? emulator = null,
        TimeProvider? clock = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        TimeProvider? gatewayClock = null)
    {
        _emulator = emulator;
        _clock = clock;
        _settings = settings;
        _gatewayClock = gatewayClock;
    }

    public EmulatorServer Sunra { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Sunra = await EmulatorServer.StartAsync(
            options =>
            {
                options.ApiKey = GatewayFactory.SunraKey;
                _emulator?.Invoke(options);
            },
            _clock);
        Gateway = new GatewayFactory(Sunra, _settings, _gatewayClock);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Sunra.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
