namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The handler behind <see cref="OpenApiConformance.CreateClient{T}"/>, next to the test server, so it
/// sees each answer as the gateway gave it (a redirect's too).
/// </summary>
/// <param name="contract">The document of the gateway under test.</param>
internal sealed class OpenApiConformanceHandler(OpenApiContract contract) : DelegatingHandler
{
    public const string DocumentPath = global::Gateway.Hosting.OpenApiExtensions.DocumentUrl;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri is not { } uri || uri.AbsolutePath.Equals(DocumentPath, StringComparison.OrdinalIgnoreCase))
        {
            return response;
        }

        if (contract.Find(request.Method.Method, uri.AbsolutePath) is not { } operation)
        {
            return response;
        }

        var answer = new AnswerCheck(contract, operation, request, response);
        OpenApiConformance.Report(await answer.CheckAsync(cancellationToken));
        return response;
    }
}
