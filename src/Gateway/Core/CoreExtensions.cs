using Gateway.Hosting;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

public static class CoreExtensions
{
    /// <summary>
    /// The core every door uses: submit (<see cref="RemixSubmissions"/>), status and result
    /// (<see cref="RemixStatuses"/>), cancel (<see cref="RemixCancellations"/>) and follow
    /// (<see cref="StatusFollower"/>), with their settings and metrics.
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
        services.AddSingleton<StatusWatches>();
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
