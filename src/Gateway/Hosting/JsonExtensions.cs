using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Hosting;

public static class JsonExtensions
{
    /// <summary>snake_case on the wire, as in Sunra's API; no duplicate fields. Each door adds its own source-generated contracts.</summary>
    public static WebApplicationBuilder AddGatewayJson(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            var json = options.SerializerOptions;
            json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;

            // A number is a number: the web defaults would also read "3" as 3, and say so in the schema.
            json.NumberHandling = JsonNumberHandling.Strict;

            // Field names match exactly, as in Sunra's schema: "Prompt" is not "prompt".
            json.PropertyNameCaseInsensitive = false;

            // {"prompt": "harmless", "prompt": "something else"} must not slip past validation.
            json.AllowDuplicateProperties = false;
        });
        return builder;
    }

    /// <summary>A feature's source-generated contracts, ahead of reflection.</summary>
    public static IServiceCollection AddJsonContracts(this IServiceCollection services, JsonSerializerContext contracts) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, contracts));
}
