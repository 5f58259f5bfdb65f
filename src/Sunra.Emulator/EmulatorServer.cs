using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Sunra.Emulator;

/// <summary>
/// The emulator on a real loopback port, started in-process: what the tests put behind the gateway
/// as Sunra. It keeps the calls it gets (<see cref="Calls"/>) unless told otherwise, and enforces
/// Sunra's account limits only when the test's <c>configure</c> sets them (<see cref="EmulatorLimits"/>):
/// e.g. <c>options.Limits.SubmitsPerSecond = 4</c>, or <c>options.Limits.Enforce = true</c> for Sunra's own.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private EmulatorServer(WebApplication app, Uri origin)
    {
        _app = app;
        Origin = origin;
        BaseUrl = new Uri(origin, "v1");
    }

    /// <summary>The origin, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Origin { get; }

    /// <summary>The protocol's base URL, e.g. <c>http://127.0.0.1:41234/v1</c>, as the gateway's <c>Sunra:BaseUrl</c>.</summary>
    public Uri BaseUrl { get; }

    public RequestLedger Requests => _app.Services.GetRequiredService<RequestLedger>();

    public EmulatorScript Script => _app.Services.GetRequiredService<EmulatorScript>();

    public CallLog Calls => _app.Services.GetRequiredService<CallLog>();

    /// <summary>How the result files are hosted, changeable while the emulator runs.</summary>
    public FileHosting Files => _app.Services.GetRequiredService<FileHosting>();

    /// <summary>The webhook callbacks made when requests ended, and how each went.</summary>
    public WebhookLog Webhooks => _app.Services.GetRequiredService<WebhookLog>();

    /// <summary>Sunra's account limits, and how many calls they refused (<see cref="AccountLimiter.Throttled"/>).</summary>
    public AccountLimiter Limiter => _app.Services.GetRequiredService<AccountLimiter>();

    public static async Task<EmulatorServer> StartAsync(Action<EmulatorOptions>? configure = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddSunraEmulator(options =>
        {
            options.RecordCalls = true;
            configure?.Invoke(options);

            // Tests drive the emulator in bursts of calls: Sunra's limits hold only in a test that sets them.
            if (options.Limits is { AreUnspoken: true })
            {
                options.Limits.Enforce = false;
            }
        });
        var app = builder.Build();
        app.MapSunraEmulator();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorServer(app, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
