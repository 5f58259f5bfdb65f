using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>What every answer carries, and CORS by default. The tests share one host.</summary>
public sealed class EdgeTests(GatewayHost host) : GatewayTest(host), IClassFixture<GatewayHost>
{
    [Theory]
    [InlineData("POST", "/remix", true)]
    [InlineData("POST", "/remix", false)]
    [InlineData("GET", "/remix/pd_x/status", true)]
    [InlineData("GET", "/health/live", false)]
    [InlineData("GET", "/openapi/v1.json", false)]
    [InlineData("GET", "/swagger/index.html", false)]
    [InlineData("GET", "/no/such/route", false)]
    public async Task Every_answer_says_nosniff(string method, string path, bool withKey)
    {
        using var client = Gateway.CreateClientWithKey(withKey ? GatewayFactory.OrdersKey : null);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Http.Json(Http.Remix("v", "p")) : null };

        using var response = await client.SendAsync(request, Cancellation);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Cross_origin_requests_are_not_allowed_by_default()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/remix");
        preflight.Headers.Add("Origin", "https://intranet.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var simple = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Http.Remix("v", "p")) };
        simple.Headers.Add("Origin", "https://intranet.example");

        using var preflightAnswer = await Client.SendAsync(preflight, Cancellation);
        using var simpleAnswer = await Client.SendAsync(simple, Cancellation);

        Assert.False(preflightAnswer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(simpleAnswer.Headers.Contains("Access-Control-Allow-Origin"));
    }
}

/// <summary>With an allow-list, listed origins (and only those) may call from a browser. The tests share one host.</summary>
public sealed class CorsAllowListTests(CorsAllowListTests.Host host) : GatewayTest(host), IClassFixture<CorsAllowListTests.Host>
{
    /// <summary>The gateway with one allowed origin.</summary>
    public sealed class Host() : GatewayHost(settings: new Dictionary<string, string?>
    {
        ["Gateway:CorsAllowedOrigins:0"] = "https://tools.intranet.example",
    });

    [Theory]
    [InlineData("https://tools.intranet.example", true)]
    [InlineData("https://evil.example", false)]
    public async Task Only_listed_origins_get_a_CORS_answer(string origin, bool allowed)
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/remix");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "x-api-key,content-type");

        using var response = await Client.SendAsync(preflight, Cancellation);

        Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
    }
}
