using System.ComponentModel.DataAnnotations;
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
            options.AddSchemaTransformer<ContractSchemaTransformer>();
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
/// Makes the schemas say what validation enforces: <see cref="CodePointLengthAttribute"/> as
/// <c>minLength</c>/<c>maxLength</c> (JSON Schema counts code points too), required fields as
/// plain non-null values, and enums as strings.
/// </summary>
internal sealed class ContractSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var attributes = context.JsonPropertyInfo?.AttributeProvider;
        if (attributes?.GetCustomAttributes(typeof(CodePointLengthAttribute), inherit: false) is [CodePointLengthAttribute length, ..])
        {
            schema.MinLength = length.Minimum;
            schema.MaxLength = length.Maximum;
        }

        if (attributes?.IsDefined(typeof(RequiredAttribute), inherit: false) is true && schema.Type is { } type)
        {
            schema.Type = type & ~JsonSchemaType.Null;
        }

        if (context.JsonTypeInfo.Type.IsEnum)
        {
            schema.Type = JsonSchemaType.String;
        }

        return Task.CompletedTask;
    }
}
