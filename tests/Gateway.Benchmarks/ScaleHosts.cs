using System.Net;
using Gateway.Callers;
using Gateway.Core;
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

    /// <summary>How its result files are served (the custody run makes them large).</summary>
    public FileHosting Files => _app.Services.GetRequiredService<FileHosting>();

    public SunraCallCounts Calls { get; } = new();

    /// <param name="runTime">How long each remix takes, from submit to COMPLETED (a second of it queued).</param>
    /// <param name="clock">The run's clock.</param>
    /// <param name="enforceLimits">False for a run that measures something else than the account's limits (the streams run).</param>
    public static async Task<ScaleSunra> StartAsync(TimeSpan runTime, TimeProvider clock, bool enforceLimits = true)
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
            options.Limits = new EmulatorLimits { Enforce = enforceLimits };
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
/// of the way, and its log kept to warnings, which are counted. With push on, its <c>Sunra:CallbackBaseUrl</c> is its own loopback
/// address (and <c>Sunra:KeepAlivePollSeconds</c> its default), so every submit asks the emulator to
/// call back; the callbacks it answers are counted (<see cref="ScaleCallbacks"/>).
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
    private readonly ScaleCallbacks _callbacks;
    private readonly bool _push;

    public ScaleGateway(Uri sunra, TimeProvider clock, ScaleLog log, ScaleCallbacks callbacks, bool push)
    {
        _sunra = sunra;
        _clock = clock;
        _log = log;
        _callbacks = callbacks;
        _push = push;

        // Settings that name the gateway's own address are read before Kestrel binds: the port is chosen first, not by Kestrel.
        var port = FreePort.Next();
        Address = new Uri($"http://127.0.0.1:{port}");
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    /// <summary>Where the gateway listens: its submits go there, and so do the emulator's callbacks when push is on.</summary>
    public Uri Address { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // The test host finds the gateway's folder from the working directory; the benchmark runs from the repository's root.
        builder.UseContentRoot(Path.Combine(RepositoryRoot.Find(), "src", "Gateway"));
        builder.UseEnvironment("Production");
        builder.UseSetting("Sunra:BaseUrl", _sunra.ToString());
        if (_push)
        {
            builder.UseSetting("Sunra:CallbackBaseUrl", Address.ToString());

            // The line each callback writes says what Sunra's status was once the callback had asked for it.
            builder.UseSetting($"Serilog:MinimumLevel:Override:{ScaleLog.CallbackSource}", "Information");
        }

        builder.UseSetting($"Gateway:Clients:{Caller}:KeySha256", CallerDirectory.HashOf(CallerKey));
        builder.UseSetting("Gateway:Defaults:SubmitsPerMinute", "1000000");
        builder.UseSetting("Gateway:Defaults:ReadsPerMinute", "1000000");
        builder.UseSetting("Gateway:Defaults:DailySubmitQuota", "1000000");
        builder.UseSetting("Gateway:LogToStandardOutput", "false");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<ILogEventSink>(_log);
            services.AddSingleton<IStartupFilter>(new CallbackCounting(_callbacks));
        });
        builder.ConfigureTestServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton(new SunraKey(ScaleSunra.Key)));
            services.Replace(ServiceDescriptor.Singleton(_clock));
        });
    }

    /// <summary>Counts each answer to a POST under the callbacks' route, ahead of everything the gateway does with it.</summary>
    private sealed class CallbackCounting(ScaleCallbacks callbacks) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, inner) =>
            {
                await inner(http);
                if (HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments(RemixCallbacks.Route, StringComparison.Ordinal))
                {
                    callbacks.Count(http.Response.StatusCode);
                }
            });
            next(app);
        };
    }
}

/// <summary>The emulator's callbacks as the gateway answered them: 204 (a remix's), 404 (callback-unknown), 429 (over the route's rate), anything else.</summary>
internal sealed class ScaleCallbacks
{
    private long _heard;
    private long _unknown;
    private long _limited;
    private long _others;

    public CallbackAnswers Now => new(Interlocked.Read(ref _heard), Interlocked.Read(ref _unknown), Interlocked.Read(ref _limited), Interlocked.Read(ref _others));

    public void Count(int status)
    {
        ref var kind = ref _others;
        if (status == StatusCodes.Status204NoContent)
        {
            kind = ref _heard;
        }
        else if (status == StatusCodes.Status404NotFound)
        {
            kind = ref _unknown;
        }
        else if (status == StatusCodes.Status429TooManyRequests)
        {
            kind = ref _limited;
        }

        Interlocked.Increment(ref kind);
    }
}

/// <summary>Callback POSTs the gateway answered, by answer; <see cref="All"/> counts each attempt, retries included.</summary>
internal readonly record struct CallbackAnswers(long Heard, long Unknown, long Limited, long Others)
{
    public long All => Heard + Unknown + Limited + Others;
}

/// <summary>
/// The gateway's warnings and errors during the scale run: counted, the first few kept to print; and,
/// with push on, the status each callback left the gateway knowing (<see cref="RemixCallbacks"/> logs
/// it at Information), by status: COMPLETED when the callback's own status call brought the news.
/// </summary>
internal sealed class ScaleLog : ILogEventSink
{
    public static readonly string CallbackSource = typeof(RemixCallbacks).FullName!;

    private readonly List<string> _first = [];
    private readonly Dictionary<string, long> _callbacksLeft = new(StringComparer.Ordinal);
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

    /// <summary>How many callbacks left the gateway knowing each status of their remix.</summary>
    public IReadOnlyDictionary<string, long> CallbacksLeft
    {
        get
        {
            lock (_callbacksLeft)
            {
                return new Dictionary<string, long>(_callbacksLeft, StringComparer.Ordinal);
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level < LogEventLevel.Warning)
        {
            if (logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string name } && name == CallbackSource
                && logEvent.Properties.TryGetValue("RemixStatus", out var status) && status is ScalarValue { Value: string remixStatus })
            {
                lock (_callbacksLeft)
                {
                    _callbacksLeft[remixStatus] = _callbacksLeft.GetValueOrDefault(remixStatus) + 1;
                }
            }

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
