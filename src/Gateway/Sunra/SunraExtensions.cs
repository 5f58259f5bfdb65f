using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Refit;
using Serilog.Core;

namespace Gateway.Sunra;

/// <summary>Where the Refit client sends its calls.</summary>
internal interface ISunraBaseAddress
{
    Uri Get();
}

internal sealed class ConfiguredSunraBaseAddress(IOptions<SunraOptions> options) : ISunraBaseAddress
{
    public Uri Get() => options.Value.BaseUrl;
}

public static class SunraExtensions
{
    /// <summary>The Refit client, its key handler, the options that must be right at start-up, and the key's redaction.</summary>
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
        services.AddSingleton<SunraCallLogger>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddRefitGeneratedClient<ISunraQueueApi>(new RefitSettings(new SystemTextJsonContentSerializer(SunraJson.Options)))
            .ConfigureHttpClient((provider, client) =>
            {
                var baseUrl = provider.GetRequiredService<ISunraBaseAddress>().Get().ToString().TrimEnd('/');
                client.BaseAddress = new Uri(baseUrl);
                client.Timeout = TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<SunraOptions>>().Value.TimeoutSeconds);
            })
            .AddHttpMessageHandler<SunraRequestIdHandler>()
            .AddHttpMessageHandler<SunraKeyHandler>()
            .RemoveAllLoggers()
            .AddLogger<SunraCallLogger>();
        return builder;
    }
}
