using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Remix;

namespace Gateway.Hosting;

public static class JsonExtensions
{
    /// <summary>snake_case on the wire, as in Sunra's API; source-generated contracts; no duplicate fields.</summary>
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
            json.TypeInfoResolverChain.Insert(0, RemixJsonContext.Default);
        });
        return builder;
    }
}
