using Gateway.Core.Custody;
using Gateway.Hosting;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

public static class CoreExtensions
{
    /// <summary>
    /// The core every door uses: submit (<see cref="RemixSubmissions"/>), status and result
    /// (<see cref="RemixStatuses"/>), cancel (<see cref="RemixCancellations"/>), follow
    /// (<see cref="StatusFollower"/>), and the records of remixes: list (<see cref="RemixHistory"/>),
    /// delete (<see cref="RemixDeletions"/>) and retention (<see cref="RecordSweeper"/>), and custody of
    /// their videos (<see cref="VideoCustody"/>, <see cref="CustodyCopier"/>, <see cref="VideoLinks"/>),
    /// with their settings and metrics.
    /// </summary>
    public static WebApplicationBuilder AddRemixCore(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddGatewayOptions<RemixOptions>();
        services.AddSingleton<IValidateOptions<RemixOptions>, RemixOptionsValidator>();
        services.AddSingleton<CoreMetrics>();
        services.AddSingleton<FinalFacts>();
        services.AddSingleton<PollCadence>();
        services.AddSingleton<StatusPolls>();
        services.AddSingleton<StatusChanges>();
        services.AddHostedService(provider => provider.GetRequiredService<StatusChanges>());
        services.AddSingleton<StatusWatches>();
        services.AddSingleton<RemixRecords>();
        services.AddSingleton<RemixEvictions>();
        services.AddHostedService(provider => provider.GetRequiredService<RemixEvictions>());
        services.AddSingleton<RecordSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<RecordSweeper>());
        services.AddSingleton<KeptResults>();
        services.AddSingleton<VideoLinks>();
        services.AddSingleton<VideoCustody>();
        services.AddSingleton<CustodyMetrics>();
        services.AddSingleton<VideoSource>();
        services.AddSingleton<CustodyCopier>();
        services.AddHostedService(provider => provider.GetRequiredService<CustodyCopier>());
        // Redirects are VideoSource's (each host checked); connections avoid link-local addresses, as
        // webhooks' do; a copy may take long, its attempt has its own limit; a signed file URL is not logged.
        services.AddHttpClient(VideoSource.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                ConnectCallback = OutboundAddresses.GuardedConnectAsync,
                UseProxy = false,
            })
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.AddScoped<RemixHistory>();
        services.AddScoped<RemixDeletions>();
        services.AddScoped<RemixOwnership>();
        services.AddScoped<RemixSubmissions>();
        services.AddScoped<RemixStatuses>();
        services.AddScoped<RemixCancellations>();
        services.AddScoped<StatusFollower>();
        services.AddScoped<RemixCallbacks>();

        // On SIGTERM a submit already at Sunra is answered and recorded: the host waits for it.
        services.AddOptions<HostOptions>().Configure<IOptions<SunraOptions>>((host, sunra) =>
        {
            var submit = TimeSpan.FromSeconds(sunra.Value.TimeoutSeconds) + RemixSubmissions.RecordingTime + TimeSpan.FromSeconds(5);
            host.ShutdownTimeout = host.ShutdownTimeout > submit ? host.ShutdownTimeout : submit;
        });
        return builder;
    }
}

/// <summary>Names the core's setting at fault, at start-up.</summary>
internal sealed class RemixOptionsValidator : IValidateOptions<RemixOptions>
{
    public ValidateOptionsResult Validate(string? name, RemixOptions options)
    {
        var failures = new List<string>();
        if (options.Webhooks.FirstRetrySeconds is < 0.05 or > 600)
        {
            failures.Add("Gateway:Webhooks:FirstRetrySeconds must be between 0.05 and 600.");
        }

        if (options.EventsHeartbeatSeconds is < 0.05 or > 300)
        {
            failures.Add("Gateway:EventsHeartbeatSeconds must be between 0.05 and 300.");
        }

        if (options.Records.RetentionDays is < 1 or > 3650)
        {
            failures.Add("Gateway:Records:RetentionDays must be between 1 and 3650.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
