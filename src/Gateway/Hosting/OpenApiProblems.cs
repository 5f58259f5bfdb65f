using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Problems;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>Endpoint metadata: the problem types a route (or a group of routes) can answer with.</summary>
public sealed record ProblemsMetadata(IReadOnlyList<ProblemType> Types);

public static class OpenApiProblems
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>
    /// Declares the problems a route can answer with, as RFC 9457 answers: each status with its
    /// schema (an invalid request's carries <c>errors</c>), and the types behind the examples.
    /// </summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params ProblemType[] types)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ProblemsMetadata(types));
        foreach (var type in types.DistinctBy(type => type.Status))
        {
            var schema = type == ProblemCatalog.InvalidRequest ? typeof(HttpValidationProblemDetails) : typeof(Microsoft.AspNetCore.Mvc.ProblemDetails);
            builder.WithMetadata(new ProducesResponseTypeMetadata(type.Status, schema, [ProblemJson]));
        }

        return builder;
    }

    /// <summary>Every problem type declared on the route and its groups.</summary>
    public static IEnumerable<ProblemType> ProblemTypesOf(IList<object> endpointMetadata) =>
        endpointMetadata.OfType<ProblemsMetadata>().SelectMany(metadata => metadata.Types).Distinct();

    // The answers' own wire names (snake_case), for the extensions of an example.
    private static readonly JsonSerializerOptions ExampleJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The body an answer of this problem has on <c>/remix</c>, as an example: the extensions are the ones <see cref="ProblemResults"/> gives the answer.</summary>
    public static JsonObject Rfc9457Body(Problem problem)
    {
        var body = new JsonObject
        {
            ["type"] = problem.Type.Uri,
            ["title"] = problem.Type.Title,
            ["status"] = problem.Status,
            ["detail"] = problem.Detail,
        };
        foreach (var (name, value) in ProblemResults.ExtensionsOf(problem) ?? [])
        {
            body[name] = JsonSerializer.SerializeToNode(value, ExampleJson);
        }

        body["trace_id"] = "00-a9d8c2e522b258b01c859d0fda0d4361-fa9b46c8103095aa-01";
        return body;
    }

    /// <summary>Adds a header to a documented answer.</summary>
    public static void AddHeader(OpenApiResponse response, string name, string description, JsonSchemaType type)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
    }
}

/// <summary>
/// Gives every problem answer of the document its examples, one per problem type the route declares,
/// made from <see cref="ProblemCatalog"/>: the description names the types, and a <c>Retry-After</c>
/// header is documented where one of them sets it.
/// </summary>
internal sealed class ProblemExamplesTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var types = OpenApiProblems.ProblemTypesOf(context.Description.ActionDescriptor.EndpointMetadata).ToArray();
        foreach (var (code, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse described || described.Content?.TryGetValue(OpenApiProblems.ProblemJson, out var content) is not true)
            {
                continue;
            }

            var problems = types.Where(type => type.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) == code).ToArray();
            if (problems.Length == 0)
            {
                continue;
            }

            content.Examples = problems.ToDictionary(type => type.Name, type => (IOpenApiExample)new OpenApiExample
            {
                Summary = type.Title,
                Description = type.WithRetryAfter ? "Comes with a Retry-After header." : null,
                Value = OpenApiProblems.Rfc9457Body(ProblemCatalog.ExampleOf(type)),
            });
            described.Description = $"{described.Description}: " + string.Join("; ", problems.Select(type => $"`{type.Uri}` ({type.Title})"));
            if (problems.Any(type => type.WithRetryAfter))
            {
                OpenApiProblems.AddHeader(described, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
            }
        }

        return Task.CompletedTask;
    }
}
