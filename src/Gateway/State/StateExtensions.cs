using Gateway.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.State;

public static class StateExtensions
{
    /// <summary>
    /// The state store: Redis when <c>ConnectionStrings:Redis</c> is set, this process's memory
    /// otherwise; the readiness check on it; and the 503 for when it cannot be reached.
    /// </summary>
    public static WebApplicationBuilder AddGatewayState(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StateOptions>()
            .BindConfiguration(StateOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.AddExceptionHandler<StateStoreUnavailableHandler>();
        services.AddSingleton<RemixOwners>();
        services.AddSingleton<IdempotencyRecords>();
        services.AddSingleton<PendingWebhooks>();
        services.AddSingleton<RecordKeeper>();
        services.AddHostedService(provider => provider.GetRequiredService<RecordKeeper>());
        services.AddHealthChecks().AddCheck<StateStoreHealthCheck>("state", tags: [HealthExtensions.Ready]);

        var redis = builder.Configuration.GetConnectionString(StateOptions.RedisConnectionName);
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<IStateStore, InMemoryStateStore>();
            return builder;
        }

        // The gateway starts, and reports itself not ready, while Redis is away; commands fail at once
        // instead of queueing, so callers get a prompt 503 and the connection heals in the background.
        var configuration = ConfigurationOptions.Parse(redis);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        services.AddSingleton(new RedisConnection(configuration));
        services.AddHostedService(provider => provider.GetRequiredService<RedisConnection>());
        services.AddSingleton<IStateStore>(provider => new RedisStateStore(
            provider.GetRequiredService<RedisConnection>(), provider.GetRequiredService<IOptions<StateOptions>>()));
        return builder;
    }
}

internal sealed class StateStoreHealthCheck(IStateStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (StateStoreUnavailableException)
        {
            return HealthCheckResult.Unhealthy("The state store cannot be reached.");
        }
    }
}
