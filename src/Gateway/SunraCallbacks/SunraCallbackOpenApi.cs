using System.Text.Json.Nodes;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.SunraCallbacks;

/// <summary>
/// Shows Sunra's callback where OpenAPI puts a call the other way: as a callback of each submit
/// operation (Swagger UI lists it beside the submit, with nothing to try).
/// </summary>
internal sealed class SunraCallbackOpenApi : IOpenApiOperationTransformer
{
    private static readonly string[] SubmitOperations = ["SubmitRemix", "SunraSubmit"];

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!SubmitOperations.Contains(operation.OperationId))
        {
            return Task.CompletedTask;
        }

        var callback = new OpenApiCallback();
        callback.AddPathItem(
            new CompositeExpression("{Sunra:CallbackBaseUrl}" + RemixCallbacks.Route + "/{token}"),
            new OpenApiPathItem
            {
                Description =
                    "With Sunra:CallbackBaseUrl set, each submit asks Sunra to POST here when the remix ends, at a URL of its own that holds an unguessable token. " +
                    "The callback is unsigned, so its body is never read: the right URL only makes the gateway ask Sunra for the remix's status (and result) at once. " +
                    "No caller key; for Sunra only.",
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        Summary = "Sunra calls back at the end of a remix",
                        RequestBody = new OpenApiRequestBody
                        {
                            Description = "Sunra's outcome, as it sends it; the gateway does not read it.",
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["application/json"] = new()
                                {
                                    Schema = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.Object,
                                        Properties = new Dictionary<string, IOpenApiSchema>
                                        {
                                            ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("OK"), JsonValue.Create("ERROR")] },
                                            ["request_id"] = new OpenApiSchema { Type = JsonSchemaType.String },
                                            ["payload"] = new OpenApiSchema { Description = "The result ({\"video\": {...}}) when OK." },
                                            ["error"] = new OpenApiSchema { Description = "Why, when ERROR." },
                                        },
                                    },
                                },
                            },
                        },
                        Responses = new OpenApiResponses
                        {
                            ["204"] = new OpenApiResponse { Description = "The token is a remix's: its status has been asked of Sunra." },
                            ["404"] = Problem(ProblemCatalog.CallbackUnknown),
                            ["413"] = Problem(ProblemCatalog.PayloadTooLarge),
                            ["429"] = Problem(ProblemCatalog.RateLimited),
                        },
                    },
                },
            });
        operation.Callbacks ??= new Dictionary<string, IOpenApiCallback>();
        operation.Callbacks["sunra-callback"] = callback;
        return Task.CompletedTask;
    }

    // Shown as every other problem answer is (ProblemExamplesTransformer): the type named in the
    // description, and an example made from the catalog.
    private static OpenApiResponse Problem(ProblemType type) => new()
    {
        Description = $"{type.Title}: `{type.Uri}` ({type.Title})",
        Content = new Dictionary<string, OpenApiMediaType>
        {
            [OpenApiProblems.ProblemJson] = new()
            {
                Examples = new Dictionary<string, IOpenApiExample>
                {
                    [type.Name] = new OpenApiExample { Summary = type.Title, Value = OpenApiProblems.Rfc9457Body(ProblemCatalog.ExampleOf(type)) },
                },
            },
        },
    };
}
