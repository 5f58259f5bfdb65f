using System.Globalization;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Sunra.Protocol;

namespace Gateway.SunraDoor;

/// <summary>
/// What the document says of the Sunra doors beyond what their endpoints declare:
/// <list type="bullet">
/// <item>every error answer's examples, one per problem type the route declares, made from
/// <see cref="ProblemCatalog"/> and written by <see cref="SunraErrorWriter.Render"/>: the same
/// problems as on <c>/remix</c>, in Sunra's error shape;</item>
/// <item>the values <c>logs</c> takes;</item>
/// <item>the client proxy's header, body and answers: each proxy operation is the <c>/v1</c> call its
/// target names, so it answers as that call does.</item>
/// </list>
/// </summary>
internal sealed class SunraDoorOpenApi : IOpenApiOperationTransformer
{
    private const string Json = "application/json";

    private static readonly DateTimeOffset At = new(2026, 11, 24, 3, 0, 25, TimeSpan.Zero);

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.RelativePath is not { } path || !("/" + path).StartsWith(SunraDoorApi.Base, StringComparison.Ordinal) && !("/" + path).StartsWith(SunraProxy.Route, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        DescribeLogs(operation);
        if (operation.OperationId is "SunraStatus" or SunraProxy.ReadOperation && operation.Responses?.TryGetValue("200", out var ok) is true && ok is OpenApiResponse status)
        {
            OpenApiProblems.AddHeader(status, AgeHeader.Name, AgeHeader.Description, JsonSchemaType.Integer);
        }

        if (SunraProxy.IsProxyOperation(operation.OperationId))
        {
            DescribeProxy(operation, context);
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
                Value = JsonSerializer.SerializeToNode(Example(type), SunraProtocolJsonContext.Default.SunraErrorBody),
            });
            described.Description = $"{described.Description}: " + string.Join("; ", problems.Select(type => $"`{type.Code}` ({type.Title})"));
            if (problems.Any(type => type.WithRetryAfter))
            {
                OpenApiProblems.AddHeader(described, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
            }
        }

        return Task.CompletedTask;
    }

    private static void DescribeLogs(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter { In: ParameterLocation.Query, Name: "logs", Schema: OpenApiSchema schema })
            {
                schema.Enum = [.. SunraDoorApi.LogsValues.Select(value => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(value))];
            }
        }
    }

    private static void DescribeProxy(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = SunraProxy.TargetHeader,
            In = ParameterLocation.Header,
            Required = true,
            Description = "The Sunra queue URL the call is for, as Sunra's clients send it: https://api.sunra.ai/v1/queue/ and the path of one of Sunra's queue calls.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = SunraProxy.TargetPattern, MaxLength = SunraProxy.MaxTargetLength },
        });

        var document = context.Document!;
        if (operation.OperationId == SunraProxy.SubmitOperation)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The model's input, as for POST /v1/queue/openai/sora-2/video-to-video.",
                Content = new Dictionary<string, OpenApiMediaType> { [Json] = new() { Schema = new OpenApiSchemaReference(nameof(Core.RemixRequest), document) } },
            };
        }

        if (operation.OperationId == SunraProxy.ReadOperation && operation.Responses?.TryGetValue("200", out var read) is true && read is OpenApiResponse answer)
        {
            // A status, a status stream or a result, whichever the target names.
            answer.Description = "The status (…/status), the result (…/requests/{request_id}) or the status stream (…/status/stream) the target names.";
            answer.Content = new Dictionary<string, OpenApiMediaType>
            {
                [Json] = new()
                {
                    Schema = new OpenApiSchema { OneOf = [new OpenApiSchemaReference(nameof(SunraStatus), document), new OpenApiSchemaReference(nameof(Core.RemixResult), document)] },
                },
                ["text/event-stream"] = new() { Schema = new OpenApiSchemaReference(nameof(SunraStatus), document) },
            };
        }
    }

    private static SunraErrorBody Example(ProblemType type)
    {
        var problem = ProblemCatalog.ExampleOf(type);
        return SunraErrorWriter.Render(problem.Status, type.Code, problem.Detail, SunraErrorWriter.DetailsOf(problem), At, "0HNA1B2C3D4E5:00000001");
    }
}
