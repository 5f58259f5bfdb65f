using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly.Telemetry;
using Refit;
using Serilog.Core;

namespace Gateway.Sunra;

/// <summary>Where the Refit client sends its calls: resolved once, asked for on every call.</summary>
internal interface ISunraBaseAddress
{
    Uri Get();
}

internal sealed class ConfiguredSunraBaseAddress(IOptions<SunraOptions> options) : ISunraBaseAddress
{
    // Without a trailing slash, as Refit appends its paths to the base address's own.
    private readonly Uri _address = new(options.Value.BaseUrl.ToString().TrimEnd('/'));

    public Uri Get() => _address;
}

public static class SunraExtensions
{
    /// <summary>The Refit client with its resilience pipeline and key handler, the options that must be right at start-up, and the key's redaction.</summary>
    public static WebApplicationBuilder AddSunra(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SunraOptions>()
            .BindConfiguration(SunraOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SunraOptions>, SunraOptionsValidator>();
        services.TryAddSingleton(SunraKey.FromEnvironment());

        services.AddSingleton<ISunraBaseAddress, ConfiguredSunraBaseAddress>();
        services.AddSingleton<SunraKeyRedactor>();
        services.AddSingleton<ILogEventEnricher, SunraKeyRedactionEnricher>();
        services.AddTransient<SunraKeyHandler>();
        services.AddTransient<SunraRequestIdHandler>();
        services.AddScoped<SunraQueueClient>();
        services.AddSingleton<SunraAnswers>();
        services.AddSingleton<SunraFailures>();
        services.AddSingleton<SunraCallMetrics>();
        services.AddSingleton<SunraCallLogger>();

        services.AddSingleton<SunraResilience>();
        services.AddSingleton<AccountBudget>();
        services.AddTransient<SunraBudgetHandler>();

        // Polly logs every attempt of every call at Information: a second log line per request, at
        // the cost of a JSON line each. Attempts that succeed go to Debug; retries, failed attempts
        // and the circuit breaker keep their own levels.
        services.Configure<TelemetryOptions>(telemetry => telemetry.SeverityProvider = SunraResilience.Severity);

        // The resilience handler is outermost, so every attempt goes through the handlers within it, the
        // account's budget first: no attempt is sent without a permit.
        // Its per-attempt timeout bounds each call; HttpClient's own timeout would cut across retries.
        var client = services.AddRefitGeneratedClient<ISunraQueueApi>(new RefitSettings(new SystemTextJsonContentSerializer(SunraJson.Options)))
            .ConfigureHttpClient((provider, client) =>
            {
                client.BaseAddress = provider.GetRequiredService<ISunraBaseAddress>().Get();
                client.Timeout = Timeout.InfiniteTimeSpan;
            });
        client.AddResilienceHandler("sunra", (pipeline, context) => context.ServiceProvider.GetRequiredService<SunraResilience>().Configure(pipeline));
        client.AddHttpMessageHandler<SunraBudgetHandler>()
            .AddHttpMessageHandler<SunraRequestIdHandler>()
            .AddHttpMessageHandler<SunraKeyHandler>()
            .RemoveAllLoggers()
            .AddLogger<SunraCallLogger>()

            // Sunra answers; it never redirects or sets cookies. A redirect followed would carry the
            // call (if not the key) elsewhere, and the cookie jar and redirect handler cost every
            // call a lookup and a layer for nothing.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return builder;
    }
}
