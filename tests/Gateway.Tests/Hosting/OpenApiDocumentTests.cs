using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The OpenAPI document as a document (it parses, names its operations once each, its schemas resolve,
/// its error responses show examples), and the known defects of the document still being defects: each
/// entry of <see cref="KnownDocumentDefects"/> must still be seen, or it must go.
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
        var defects = (await ContractAsync()).Lint().ToList();

        var unknown = defects.Where(d => KnownDocumentDefects.Excusing(d) is null).Select(d => d.ToString()).ToList();
        Assert.True(unknown.Count == 0, "The document is wrong:" + Environment.NewLine + string.Join(Environment.NewLine, unknown));
        foreach (var known in KnownDocumentDefects.All.Where(k => k.SeenIn == SeenIn.Document))
        {
            Assert.True(defects.Any(known.Excuses), $"The known defect {known.Id} is not in the document any more: delete its entry from KnownDocumentDefects.");
        }
    }

    public static TheoryData<string> DefectsSeenInAnswers() => [.. KnownDocumentDefects.All.Where(k => k.SeenIn == SeenIn.Answers).Select(k => k.Id)];

    [Theory]
    [MemberData(nameof(DefectsSeenInAnswers))]
    public async Task Each_known_defect_seen_in_answers_is_still_there(string id)
    {
        var defect = KnownDocumentDefects.All.Single(k => k.Id == id);
        Assert.True(Reproductions.TryGetValue(id, out var reproduce), $"The known defect {id} has no reproduction here.");

        var answers = await reproduce(this);

        var excused = OpenApiConformance.ExcusedInThisTest();
        foreach (var answer in answers)
        {
            using (answer)
            {
                var request = $"{answer.RequestMessage!.Method} {answer.RequestMessage.RequestUri!.PathAndQuery}";
                Assert.True(
                    excused.Any(v => defect.Excuses(v) && v.Request == request && v.Status == (int)answer.StatusCode),
                    $"{request} answered {(int)answer.StatusCode} and no longer shows the known defect {id}: delete its entry from KnownDocumentDefects.");
            }
        }
    }

    [Fact]
    public void Every_known_defect_seen_in_answers_has_a_reproduction()
    {
        Assert.Equal(
            KnownDocumentDefects.All.Where(k => k.SeenIn == SeenIn.Answers).Select(k => k.Id).Order(),
            Reproductions.Keys.Order());
    }

    // One way to see each defect: the answers, through a checked client, that the defect makes contradict the document.
    private static readonly Dictionary<string, Func<OpenApiDocumentTests, Task<HttpResponseMessage[]>>> Reproductions = new()
    {
        ["sunra-error-details-null"] = async test =>
        [
            await test.SunraClient().GetAsync("/v1/queue/requests/pd_nobody/status", Cancellation),
            await test.SunraClient().GetAsync("/v1/queue/requests/pd_nobody", Cancellation),
        ],
        ["proxy-statuses"] = async test =>
        [
            await test.SunraClient().SendAsync(SunraWire.Proxied("POST", SunraWire.SunraQueue + global::Gateway.SunraDoor.SunraDoorApi.EndpointId, Http.Remix("video_123", "p")), Cancellation),
            await test.Gateway.CreateClient().SendAsync(SunraWire.Proxied("GET", SunraWire.SunraQueue + "requests/pd_nobody/status"), Cancellation),
        ],
        ["idempotency-key-schema"] = async test =>
        [
            await test.Client.SendAsync(WithIdempotencyKey(new(HttpMethod.Post, "/remix"), "has space"), Cancellation),
            await test.SunraClient().SendAsync(WithIdempotencyKey(new(HttpMethod.Post, SunraWire.SubmitPath), new string('k', 256)), Cancellation),
        ],
        ["sunra-logs-schema"] = async test =>
        {
            await test.OwnAsync("pd_logs");
            return
            [
                await test.SunraClient().GetAsync("/v1/queue/requests/pd_logs/status?logs=maybe", Cancellation),
                await test.SunraClient().GetAsync("/v1/queue/requests/pd_logs/status/stream?logs=2", Cancellation),
                await test.SunraClient().PostAsync(SunraWire.SubmitPath + "?logs=2", Http.Json(Http.Remix("video_123", "p")), Cancellation),
            ];
        },
        ["remix-logs-bare-400"] = async test =>
        {
            await test.OwnAsync("pd_logs");
            return [await test.Client.GetAsync("/remix/pd_logs/status?logs=2", Cancellation)];
        },
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
