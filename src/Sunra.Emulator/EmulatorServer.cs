using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Sunra.Emulator;

/// <summary>
/// The emulator on a real loopback port, started in-process: what the tests put behind the gateway
/// as Sunra. It keeps the calls it gets (<see cref="Calls"/>) unless told otherwise.
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
