using System.Net;
using Gateway.Callers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Gateway.Sunra;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serilog.Core;
using Serilog.Events;
using Sunra.Emulator;

namespace Gateway.Benchmarks;

/// <summary>
/// The emulator as Sunra for the scale run, on a loopback port in this process and on the run's clock:
/// Sunra's own account limits, enforced as the emulator run alone enforces them (a call over one is
/// Sunra's 403, counted by <see cref="AccountLimiter.Throttled"/>), no call log (a long run would hold
/// every body), and a count of the calls that reached it, by kind, including the ones it throttled.
/// </summary>
internal sealed class ScaleSunra : IAsyncDisposable
{
    public const string Key = "scale-sunra-key";

    private readonly WebApplication _app;

    private ScaleSunra(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The protocol's base URL, as the gateway's <c>Sunra:BaseUrl</c>.</summary>
    public Uri BaseUrl { get; }

    public RequestLedger Requests => _app.Services.GetRequiredService<RequestLedger>();

    public AccountLimiter Limiter => _app.Services.GetRequiredService<AccountLimiter>();

    public SunraCallCounts Calls { get; } = new();

    /// <param name="runTime">How long each remix takes, from submit to COMPLETED (a second of it queued).</param>
    /// <param name="clock">The run's clock.</param>
    public static async Task<ScaleSunra> StartAsync(TimeSpan runTime, TimeProvider clock)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(clock);
        builder.Services.AddSunraEmulator(options =>
        {
            options.ApiKey = Key;
            options.QueueTime = TimeSpan.FromSeconds(1);
            options.RunTime = runTime - options.QueueTime;
            options.RecordCalls = false;
            options.Limits = new EmulatorLimits { Enforce = true };
        });
        var app = builder.Build();
        ScaleSunra? sunra = null;
        app.Use(async (http, next) =>
        {
            await next(http);
            sunra!.Calls.Count(http.Request.Method, http.Request.Path, http.Response.StatusCode);
        });
        app.MapSunraEmulator();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sunra = new ScaleSunra(app, new Uri(address + "/v1"));
        return sunra;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The calls that reached Sunra, by kind, and how many of them it throttled (403).</summary>
internal sealed class SunraCallCounts
{
    private long _submits;
    private long _statuses;
    private long _results;
    private long _others;
    private long _throttled;

    public SunraCalls Now => new(
        Interlocked.Read(ref _submits), Interlocked.Read(ref _statuses), Interlocked.Read(ref _results), Interlocked.Read(ref _others), Interlocked.Read(ref _throttled));

    public void Count(string method, PathString path, int status)
    {
        var value = path.Value ?? "";
        ref var kind = ref _others;
        if (HttpMethods.IsPost(method))
        {
            kind = ref _submits;
        }
        else if (HttpMethods.IsGet(method) && value.EndsWith("/status", StringComparison.Ordinal))
        {
            kind = ref _statuses;
        }
        else if (HttpMethods.IsGet(method) && value.StartsWith("/v1/queue/requests/", StringComparison.Ordinal))
        {
            kind = ref _results;
        }

        Interlocked.Increment(ref kind);
        if (status == StatusCodes.Status403Forbidden)
        {
            Interlocked.Increment(ref _throttled);
        }
    }
}

/// <summary>Calls Sunra received, by kind; <see cref="Throttled"/> of them were answered 403.</summary>
internal readonly record struct SunraCalls(long Submits, long Statuses, long Results, long Others, long Throttled)
{
    public long All => Submits + Statuses + Results + Others;

    public static SunraCalls operator -(SunraCalls later, SunraCalls earlier) => new(
        later.Submits - earlier.Submits, later.Statuses - earlier.Statuses, later.Results - earlier.Results, later.Others - earlier.Others, later.Throttled - earlier.Throttled);
}

/// <summary>
/// The gateway for the scale run, in this process but served by Kestrel on a loopback port, so that
/// what calls it over HTTP (the submitter, and Sunra's callbacks) reaches it as it would a deployed
/// gateway: Production, records in memory (one replica), its default <c>Sunra:Limits</c> and poll
/// interval, the run's clock as its one <see cref="TimeProvider"/>, one caller whose own limits are out
/// of the way, and its log kept to warnings, which are counted.
/// </summary>
internal sealed class ScaleGateway : WebApplicationFactory<SunraOptions>
{
    // WebApplicationFactory needs a type of the gateway's assembly; Program is also the name of this
    // program's own entry point, so another public type of the gateway's stands in for it.
    public const string Caller = "scale";

    public const string CallerKey = "scale-caller-key";

    private readonly Uri _sunra;
    private readonly TimeProvider _clock;
    private readonly ScaleLog _log;

    public ScaleGateway(Uri sunra, TimeProvider clock, ScaleLog log)
    {
        _sunra = sunra;
        _clock = clock;
        _log = log;

        // Settings that name the gateway's own address are read before Kestrel binds: the port is chosen first, not by Kestrel.
        var port = FreePort.Next();
        Address = new Uri($"http://127.0.0.1:{port}");
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    /// <summary>Where the gateway listens.</summary>
    public Uri Address { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // The test host finds the gateway's folder from the working directory; the benchmark runs from the repository's root.
        builder.UseContentRoot(Path.Combine(RepositoryRoot.Find(), "src", "Gateway"));
        builder.UseEnvironment("Production");
        builder.UseSetting("Sunra:BaseUrl", _sunra.ToString());
        builder.UseSetting($"Gateway:Clients:{Caller}:KeySha256", CallerDirectory.HashOf(CallerKey));
        builder.UseSetting("Gateway:Defaults:SubmitsPerMinute", "1000000");
        builder.UseSetting("Gateway:Defaults:ReadsPerMinute", "1000000");
        builder.UseSetting("Gateway:Defaults:DailySubmitQuota", "1000000");
        builder.UseSetting("Gateway:LogToStandardOutput", "false");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(_log));
        builder.ConfigureTestServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton(new SunraKey(ScaleSunra.Key)));
            services.Replace(ServiceDescriptor.Singleton(_clock));
        });
    }
}

/// <summary>The gateway's warnings and errors during the scale run: counted, the first few kept to print.</summary>
internal sealed class ScaleLog : ILogEventSink
{
    private readonly List<string> _first = [];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public IReadOnlyList<string> First
    {
        get
        {
            lock (_first)
            {
                return [.. _first];
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level < LogEventLevel.Warning)
        {
            return;
        }

        Interlocked.Increment(ref _count);
        lock (_first)
        {
            if (_first.Count < 3)
            {
                _first.Add($"{logEvent.Level}: {logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)}");
            }
        }
    }
}
