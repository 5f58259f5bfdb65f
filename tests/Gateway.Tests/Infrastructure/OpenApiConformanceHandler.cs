namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The handler behind <see cref="OpenApiConformance.CreateClient{T}"/>, next to the test server, so it
/// sees each answer as the gateway gave it (a redirect's too).
/// </summary>
internal sealed class OpenApiConformanceHandler : DelegatingHandler
{
    public const string DocumentPath = global::Gateway.Hosting.OpenApiExtensions.DocumentUrl;

    /// <summary>The contract of the gateway under test.</summary>
    public Task<OpenApiContract>? Document { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri is not { } uri || uri.AbsolutePath.Equals(DocumentPath, StringComparison.OrdinalIgnoreCase))
        {
            return response;
        }

        var contract = await (Document ?? throw new InvalidOperationException("The checks have no document to check against."));
        if (contract.Find(request.Method.Method, uri.AbsolutePath) is not { } operation)
        {
            return response;
        }

        var answer = new AnswerCheck(contract, operation, request, response);
        OpenApiConformance.Report(await answer.CheckAsync(cancellationToken));
        return response;
    }
}
