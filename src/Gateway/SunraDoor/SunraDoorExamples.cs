using System.Globalization;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.SunraDoor;

/// <summary>
/// Gives every error answer of the Sunra doors its examples, one per problem type the route declares,
/// made from <see cref="ProblemCatalog"/> and written by <see cref="SunraErrorWriter.Render"/>: the
/// same problems as on <c>/remix</c>, in Sunra's error shape.
/// </summary>
internal sealed class SunraDoorExamples : IOpenApiOperationTransformer
{
    private const string Json = "application/json";

    private static readonly DateTimeOffset At = new(2026, 11, 24, 3, 0, 25, TimeSpan.Zero);

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.RelativePath is not { } path || !("/" + path).StartsWith(SunraDoorApi.Base, StringComparison.Ordinal) && !("/" + path).StartsWith(SunraProxy.Route, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        var types = OpenApiProblems.ProblemTypesOf(context.Description.ActionDescriptor.EndpointMetadata).ToArray();
        foreach (var (code, response) in operation.Responses ?? [])
        {
            var problems = types.Where(type => type.Status.ToString(CultureInfo.InvariantCulture) == code).ToArray();
            if (problems.Length == 0 || response is not OpenApiResponse described || described.Content?.TryGetValue(Json, out var content) is not true)
            {
                continue;
            }

            content.Examples = problems.ToDictionary(type => type.Name, type => (IOpenApiExample)new OpenApiExample
            {
                Summary = type.Title,
                Description = type.WithRetryAfter ? "Comes with a Retry-After header." : null,
                Value = JsonSerializer.SerializeToNode(Example(type), SunraDoorJsonContext.Default.SunraErrorBody),
            });
            described.Description = $"{described.Description}: " + string.Join("; ", problems.Select(type => $"`{type.Code}` ({type.Title})"));
            if (problems.Any(type => type.WithRetryAfter))
            {
                OpenApiProblems.AddHeader(described, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
            }
        }

        return Task.CompletedTask;
    }

    private static SunraErrorBody Example(ProblemType type)
    {
        var problem = ProblemCatalog.ExampleOf(type);
        var details = problem switch
        {
            { Generation: { } generation } => JsonSerializer.SerializeToElement(generation, SunraDoorJsonContext.Default.GenerationFailure),
            { Errors: { } errors } => JsonSerializer.SerializeToElement(errors, SunraDoorJsonContext.Default.IReadOnlyDictionaryStringStringArray),
            _ => (JsonElement?)null,
        };
        return SunraErrorWriter.Render(problem.Status, type.Code, problem.Detail, details, At, "0HNA1B2C3D4E5:00000001");
    }
}
