using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

public static class OpenApiExtensions
{
    public const string DocumentName = "v1";

    public const string DocumentUrl = "/openapi/v1.json";

    private const string SwaggerPath = "/swagger";

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
            options.AddOperationTransformer<ProblemExamplesTransformer>();
            options.AddDocumentTransformer<AnyJsonTransformer>();
            options.AddDocumentTransformer<TagOrderTransformer>();
        });
        return builder;
    }

    /// <summary>A group of operations, shown by Swagger UI in <paramref name="order"/> among the others, with what it is for.</summary>
    public static IServiceCollection AddOpenApiTag(this IServiceCollection services, string name, int order, string description) =>
        services.AddSingleton(new DocumentTag(name, order, description));

    /// <summary>A feature's own additions to the document: its examples, its security schemes.</summary>
    public static IServiceCollection AddOpenApiParts(this IServiceCollection services, Action<OpenApiOptions> configure) =>
        services.Configure(DocumentName, configure);

    /// <summary>
    /// The document at <see cref="DocumentUrl"/> and Swagger UI at <c>/swagger</c>, in every environment,
    /// with a player for the video of a result fetched there.
    /// </summary>
    public static WebApplication MapGatewayOpenApi(this WebApplication app)
    {
        app.MapOpenApi();

        // Only requests under /swagger pass through Swagger UI's middleware, which otherwise
        // inspects (and allocates for) every request the gateway serves.
        app.UseWhen(
            http => http.Request.Path.StartsWithSegments(SwaggerPath),
            swagger => swagger.UseSwaggerUI(options =>
            {
                options.SwaggerEndpoint(DocumentUrl, "Sora Remix Gateway v1");
                options.RoutePrefix = SwaggerPath[1..];
                options.DocumentTitle = "Sora Remix Gateway";

                // Inline, so the page needs no route of the gateway's own beside Swagger UI's files.
                options.HeadContent = $"<script>{VideoPluginScript()}</script>";
                options.ConfigObject.Plugins = [VideoPluginName];
            }));
        return app;
    }

    private const string VideoPluginName = "RemixVideoPlugin";

    private static string VideoPluginScript()
    {
        using var stream = typeof(OpenApiExtensions).Assembly.GetManifestResourceStream($"Gateway.{VideoPluginName}.js")
            ?? throw new InvalidOperationException("The Swagger UI video plugin is not embedded in the gateway.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
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
