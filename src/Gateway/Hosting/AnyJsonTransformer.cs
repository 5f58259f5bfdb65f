using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>
/// Free-form JSON (a <c>JsonElement</c>) is any JSON value, null among them. The generator writes a
/// nullable one as <c>oneOf: [{type: null}, {$ref: JsonElement}]</c>, which a null matches twice, so
/// every answer carrying a null there fails its own schema: this writes it as the empty schema.
/// </summary>
internal sealed class AnyJsonTransformer : IOpenApiDocumentTransformer
{
    private const string JsonElement = nameof(System.Text.Json.JsonElement);

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var schema in document.Components?.Schemas?.Values ?? [])
        {
            if (schema is OpenApiSchema { Properties: { } properties })
            {
                foreach (var (name, property) in properties.ToArray())
                {
                    if (IsAnyJson(property))
                    {
                        properties[name] = new OpenApiSchema { Description = property.Description ?? property.OneOf?.FirstOrDefault(IsReferenceToAnyJson)?.Description };
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    private static bool IsAnyJson(IOpenApiSchema schema) =>
        IsReferenceToAnyJson(schema)
        || schema.OneOf is { Count: 2 } branches && branches.Any(branch => branch.Type == JsonSchemaType.Null) && branches.Any(IsReferenceToAnyJson);

    private static bool IsReferenceToAnyJson(IOpenApiSchema schema) => schema is OpenApiSchemaReference { Reference.Id: JsonElement };
}
