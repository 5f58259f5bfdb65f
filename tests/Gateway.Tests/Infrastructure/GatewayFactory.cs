using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Gateway.Callers;
using Gateway.State;
using Serilog.Core;
using Sunra.Emulator;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway in the test host, in Production, with the real Sunra emulator on a loopback port as
/// its upstream: the Refit client, the key handler and the translation all run for real.
/// </summary>
public sealed class GatewayFactory(EmulatorServer sunra, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? clock = null) : WebApplicationFactory<Program>
{
    /// <summary>A canary key: if it turns up anywhere a caller or a log can see, the test fails.</summary>
    public const string SunraKey = "sk_canary_7f3a9c1e5b2d4680aa11bb22cc33dd44";

    /// <summary>The key of the caller "orders", which the tests' default client uses.</summary>
    public const string OrdersKey = "orders-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    /// <summary>The key of a second caller, "billing".</summary>
    public const string BillingKey = "billing-key-99aa88bb77cc66dd55ee44ff33001122";

    public LogCapture Logs { get; } = new();

    public EmulatorServer Sunra => sunra;

    /// <summary>A client of the test server whose every answer is held to the gateway's OpenAPI document (see <see cref="OpenApiConformance"/>).</summary>
    public new HttpClient CreateClient() => OpenApiConformance.CreateClient(this);

    /// <summary>A client that presents this key (or none) as X-Api-Key.</summary>
    public HttpClient CreateClientWithKey(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, key);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Sunra:BaseUrl", sunra.BaseUrl.ToString());
        builder.UseSetting("Sunra:StatusPollIntervalSeconds", "0.05");
        builder.UseSetting("Gateway:Clients:orders:KeySha256", CallerDirectory.HashOf(OrdersKey));
        builder.UseSetting("Gateway:Clients:billing:KeySha256", CallerDirectory.HashOf(BillingKey));
        builder.UseSetting("Gateway:Defaults:SubmitsPerMinute", "100000");
        builder.UseSetting("Gateway:Defaults:ReadsPerMinute", "100000");
        builder.UseSetting("Gateway:Defaults:DailySubmitQuota", "100000");

        // Everything is logged, down to Verbose, so that the leak tests see every line.
        builder.UseSetting("Serilog:MinimumLevel:Default", "Verbose");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft", "Verbose");
        builder.UseSetting("Serilog:MinimumLevel:Override:System", "Verbose");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        // The lines are collected by Logs. This process's standard output is the test runner's: the
        // gateway's writer, which goes to the file descriptor itself, cost the runner test results.
        builder.UseSetting("Gateway:LogToStandardOutput", "false");
        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Logs));

        // The gateway reads its key from the environment; the process tests cover that path.
        builder.ConfigureTestServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton(new global::Gateway.Sunra.SunraKey(SunraKey)));
            if (clock is not null)
            {
                services.Replace(ServiceDescriptor.Singleton(clock));
            }
        });
    }
}

/// <summary>One emulator and one gateway in front of it, made fresh for each test.</summary>
public abstract class GatewayTest : IAsyncLifetime
{
    private readonly Action<EmulatorOptions>? _emulator;
    private readonly TimeProvider? _clock;
    private readonly IReadOnlyDictionary<string, string?>? _settings;
    private readonly TimeProvider? _gatewayClock;

    /// <param name="emulator">Changes to the emulator's options.</param>
    /// <param name="clock">The emulator's clock.</param>
    /// <param name="settings">The gateway's settings, on top of the factory's.</param>
    /// <param name="gatewayClock">The gateway's clock, for tests that must know which window of time they are in.</param>
    protected GatewayTest(
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

    protected EmulatorServer Sunra { get; private set; } = null!;

    protected GatewayFactory Gateway { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>Records a remix as the caller's without submitting it, as if the gateway had.</summary>
    protected Task OwnAsync(string requestId, string caller = "orders") =>
        Gateway.Services.GetRequiredService<RemixOwners>().RecordAsync(requestId, caller);

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
        Client = Gateway.CreateClientWithKey(GatewayFactory.OrdersKey);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        await Sunra.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
