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

    /// <summary>Where this host keeps videos when a test turns custody on; removed with the host.</summary>
    public string VideoDirectory { get; } = Path.Combine(Path.GetTempPath(), "gateway-videos-" + Guid.NewGuid().ToString("N"));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(VideoDirectory))
        {
            Directory.Delete(VideoDirectory, recursive: true);
        }
    }

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

        // Sunra's account limits are lifted as the callers' are: the tests that are about them set their own.
        builder.UseSetting("Sunra:Limits:SubmitsPerSecond", "100000");
        builder.UseSetting("Sunra:Limits:SubmitsPerMinute", "1000000");
        builder.UseSetting("Sunra:Limits:OtherCallsPerSecond", "100000");
        builder.UseSetting("Sunra:Limits:OtherCallsPerMinute", "1000000");

        // Everything is logged, down to Verbose, so that the leak tests see every line.
        builder.UseSetting("Serilog:MinimumLevel:Default", "Verbose");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft", "Verbose");
        builder.UseSetting("Serilog:MinimumLevel:Override:System", "Verbose");

        // Custody is off unless a test is about it (a kept video changes a result's url): then its
        // videos go to a directory of this host's own, copied from the emulator's loopback address.
        builder.UseSetting("Gateway:Custody:Enabled", "false");
        builder.UseSetting("Gateway:Custody:Directory", VideoDirectory);
        builder.UseSetting("Gateway:Custody:AllowedSourceHosts:0", "127.0.0.1");
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

/// <summary>
/// A test against one emulator and one gateway: a host made fresh for each test, or the class's
/// shared <see cref="GatewayHost"/> when its tests do not disturb each other. Each test gets a client
/// of its own, as the caller "orders".
/// </summary>
public abstract class GatewayTest : IAsyncLifetime
{
    private readonly GatewayHost _host;
    private readonly bool _hostPerTest;
    private int _callsBefore;

    /// <summary>A host of its own for each test.</summary>
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
        _host = new GatewayHost(emulator, clock, settings, gatewayClock);
        _hostPerTest = true;
    }

    /// <summary>The host the tests of the class share: their class fixture.</summary>
    protected GatewayTest(GatewayHost shared) => _host = shared;

    protected EmulatorServer Sunra => _host.Sunra;

    protected GatewayFactory Gateway => _host.Gateway;

    protected HttpClient Client { get; private set; } = null!;

    /// <summary>The calls Sunra received since this test began: in a shared host, this test's own.</summary>
    protected IReadOnlyList<RecordedCall> SunraCalls => Sunra.Calls.All.ToArray()[_callsBefore..];

    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>Records a remix as the caller's without submitting it, as if the gateway had.</summary>
    protected Task OwnAsync(string requestId, string caller = "orders") =>
        Gateway.Services.GetRequiredService<RemixOwners>().RecordAsync(requestId, caller);

    public async ValueTask InitializeAsync()
    {
        if (_hostPerTest)
        {
            await _host.InitializeAsync();
        }
        else
        {
            // A fault that a failed test left unused must not fail the next test in its place.
            Sunra.Script.Clear();
        }

        _callsBefore = Sunra.Calls.Count;
        Client = Gateway.CreateClientWithKey(GatewayFactory.OrdersKey);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_hostPerTest)
        {
            await _host.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
