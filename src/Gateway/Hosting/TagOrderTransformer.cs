using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>A tag of the document, where Swagger UI shows it and what it says.</summary>
public sealed record DocumentTag(string Name, int Order, string Description);

/// <summary>Lists the document's tags in the order the features gave them, with their descriptions: Swagger UI shows its groups in that order.</summary>
internal sealed class TagOrderTransformer(IEnumerable<DocumentTag> tags) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var ordered = tags.OrderBy(tag => tag.Order).ToArray();
        var known = ordered.Select(tag => tag.Name).ToHashSet(StringComparer.Ordinal);
        var others = context.DescriptionGroups.SelectMany(group => group.Items)
            .SelectMany(item => item.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Http.Metadata.ITagsMetadata>())
            .SelectMany(metadata => metadata.Tags)
            .Distinct()
            .Where(name => !known.Contains(name));
        document.Tags = new HashSet<OpenApiTag>(
            [.. ordered.Select(tag => new OpenApiTag { Name = tag.Name, Description = tag.Description }), .. others.Select(name => new OpenApiTag { Name = name })]);
        return Task.CompletedTask;
    }
}
