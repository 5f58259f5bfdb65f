using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The OpenAPI document as a document (it parses, names its operations once each, its schemas resolve,
/// its error responses show examples), and the cases where a fuzzer found it lying, now answered as it
/// says (every answer a test client receives is held to the document).
/// </summary>
public sealed class OpenApiDocumentTests : GatewayTest
{
    [Fact]
    public async Task The_document_parses_as_OpenAPI_3_1_and_describes_every_door()
    {
        var contract = await ContractAsync();

        Assert.StartsWith("3.1.", contract.Root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Contains(contract.Operations, o => o.Template == "/remix" && o.Method == "POST");
        Assert.Contains(contract.Operations, o => o.Template.StartsWith("/v1/queue/", StringComparison.Ordinal));
        Assert.Contains(contract.Operations, o => o.Template == "/api/sunra/proxy");
    }

    [Fact]
    public async Task Every_operation_has_its_own_operationId_every_schema_resolves_and_every_error_response_shows_an_example()
    {
        var defects = (await ContractAsync()).Lint().Select(d => d.ToString()).ToList();

        Assert.True(defects.Count == 0, "The document is wrong:" + Environment.NewLine + string.Join(Environment.NewLine, defects));
    }

    public static TheoryData<string> FuzzerCases() => [.. FuzzerAnswers.Keys];

    /// <summary>Each case a fuzzer found the document wrong about gets the status the document gives it, and passes the checked client.</summary>
    [Theory]
    [MemberData(nameof(FuzzerCases))]
    public async Task A_case_the_fuzzer_found_the_document_wrong_about_is_answered_as_the_document_says(string name)
    {
        var (send, expected) = FuzzerAnswers[name];

        var answers = await send(this);

        Assert.Equal(expected, answers.Select(answer => (int)answer.StatusCode));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    // The requests behind each defect the fuzzer found, and what the document says they get.
    private static readonly Dictionary<string, (Func<OpenApiDocumentTests, Task<HttpResponseMessage[]>> Send, int[] Statuses)> FuzzerAnswers = new()
    {
        ["a Sunra error without details is a valid error body"] = (async test =>
        [
            await test.SunraClient().GetAsync("/v1/queue/requests/pd_nobody/status", Cancellation),
            await test.SunraClient().GetAsync("/v1/queue/requests/pd_nobody", Cancellation),
        ], [404, 404]),
        ["the client proxy answers what its /v1 call answers"] = (async test =>
        [
            await test.SunraClient().SendAsync(SunraWire.Proxied("POST", SunraWire.SunraQueue + global::Gateway.SunraDoor.SunraDoorApi.EndpointId, Http.Remix("video_123", "p")), Cancellation),
            await test.Gateway.CreateClient().SendAsync(SunraWire.Proxied("GET", SunraWire.SunraQueue + "requests/pd_nobody/status"), Cancellation),
        ], [200, 401]),
        ["an Idempotency-Key outside its schema is refused as invalid"] = (async test =>
        [
            await test.Client.SendAsync(WithIdempotencyKey(new(HttpMethod.Post, "/remix"), "has space"), Cancellation),
            await test.SunraClient().SendAsync(WithIdempotencyKey(new(HttpMethod.Post, SunraWire.SubmitPath), new string('k', 256)), Cancellation),
        ], [400, 400]),
        ["logs outside its values on /v1 is refused as invalid"] = (async test =>
        {
            await test.OwnAsync("pd_logs");
            return
            [
                await test.SunraClient().GetAsync("/v1/queue/requests/pd_logs/status?logs=maybe", Cancellation),
                await test.SunraClient().GetAsync("/v1/queue/requests/pd_logs/status/stream?logs=2", Cancellation),
                await test.SunraClient().PostAsync(SunraWire.SubmitPath + "?logs=2", Http.Json(Http.Remix("video_123", "p")), Cancellation),
            ];
        }, [400, 400, 400]),
        ["logs that is not a boolean on /remix is the gateway's invalid-request problem"] = (async test =>
        {
            await test.OwnAsync("pd_logs");
            return [await test.Client.GetAsync("/remix/pd_logs/status?logs=2", Cancellation)];
        }, [400]),
    };

    private HttpClient SunraClient() => Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);

    private static HttpRequestMessage WithIdempotencyKey(HttpRequestMessage request, string key)
    {
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        request.Content = Http.Json(Http.Remix("video_123", "p"));
        return request;
    }

    private async Task<OpenApiContract> ContractAsync()
    {
        using var response = await Client.GetAsync(OpenApiConformanceHandler.DocumentPath, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return OpenApiContract.Of(await response.Content.ReadAsByteArrayAsync(Cancellation));
    }
}
