using Gateway.Remix;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

public static class OpenApiExtensions
{
    public const string DocumentUrl = "/openapi/v1.json";

    public static WebApplicationBuilder AddGatewayOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Sora Remix Gateway",
                    Version = "v1",
                    Description =
                        "Remix Sora 2 videos through Sunra's queue (`openai/sora-2/video-to-video`) without holding the Sunra key. " +
                        "Submit a remix, then follow it by polling its status, streaming its events, or fetching its result. " +
                        "Every refusal is an `application/problem+json` answer that says what to fix.",
                };
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer<CodePointLengthSchemaTransformer>();
        });
        return builder;
    }

    /// <summary>The document at <see cref="DocumentUrl"/> and Swagger UI at <c>/swagger</c>, in every environment.</summary>
    public static WebApplication MapGatewayOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint(DocumentUrl, "Sora Remix Gateway v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "Sora Remix Gateway";
        });
        return app;
    }
}

/// <summary>
/// Writes <see cref="CodePointLengthAttribute"/> as <c>minLength</c>/<c>maxLength</c> (JSON Schema
/// counts code points too), marks validated fields as plain non-null strings, and closes the request
/// schema to unknown fields, as validation does.
/// </summary>
internal sealed class CodePointLengthSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(CodePointLengthAttribute), inherit: false) is [CodePointLengthAttribute length, ..])
        {
            schema.MinLength = length.Minimum;
            schema.MaxLength = length.Maximum;
        }

        if (context.JsonTypeInfo.Type == typeof(RemixRequest))
        {
            schema.AdditionalPropertiesAllowed = false;
            schema.AdditionalProperties = null;
        }

        return Task.CompletedTask;
    }
}
