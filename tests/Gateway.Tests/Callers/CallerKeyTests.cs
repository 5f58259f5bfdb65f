using System.Net;
using System.Net.Http.Headers;
using Gateway.Callers;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Callers;

/// <summary>Who may call, and what a caller may see. The tests share one host: each counts only the calls Sunra got from it.</summary>
public sealed class CallerKeyTests(GatewayHost host) : GatewayTest(host), IClassFixture<GatewayHost>
{
    public static TheoryData<string, string, string> BadCredentialsOnEveryRoute()
    {
        string[] kinds = ["none", "unknown key", "the key's hash", "malformed"];
        (string Method, string Path)[] routes = [("POST", "/remix"), .. RemixRoutes.OnOneRemix.Select(r => (r.Method, RemixRoutes.Path(r.Path, "pd_1")))];
        var data = new TheoryData<string, string, string>();
        foreach (var kind in kinds)
        {
            foreach (var (method, path) in routes)
            {
                data.Add(kind, method, path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadCredentialsOnEveryRoute))]
    public async Task Bad_credentials_get_a_401_problem_with_a_challenge_and_nothing_reaches_Sunra(string kind, string method, string path)
    {
        using var client = Gateway.CreateClientWithKey(null);
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? Http.Json(Http.Remix("v", "p")) : null,
        };
        switch (kind)
        {
            case "unknown key":
                request.Headers.Add(CallerKeyAuthentication.Header, "not-a-key-anyone-has");
                break;
            case "the key's hash":
                request.Headers.Add(CallerKeyAuthentication.Header, CallerDirectory.HashOf(GatewayFactory.OrdersKey));
                break;
            case "malformed":
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "b3JkZXJzOnNlY3JldA==");
                break;
        }

        using var response = await client.SendAsync(request, Cancellation);

        var problem = await response.AssertProblemAsync(401, "/problems/unauthenticated");
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Empty(SunraCalls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Key")]
    [InlineData("Key ")]
    [InlineData("Basic orders-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0")]
    [InlineData("Keyorders-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0")]
    public async Task An_authorization_header_without_a_bearer_or_Sunra_Key_key_is_refused(string authorization)
    {
        using var client = Gateway.CreateClientWithKey(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Http.Remix("v", "p")) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await client.SendAsync(request, Cancellation);

        await response.AssertProblemAsync(401);
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task The_key_works_as_X_Api_Key_as_a_bearer_token_and_in_Sunras_Key_scheme()
    {
        using var bearer = Gateway.CreateClientWithKey(null);
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFactory.OrdersKey);
        using var sunra = Gateway.CreateClientWithKey(null);
        sunra.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Key", GatewayFactory.OrdersKey);

        using var viaHeader = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
        using var viaBearer = await bearer.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
        using var viaKey = await sunra.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, viaHeader.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, viaBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, viaKey.StatusCode);
        Assert.Equal(3, SunraCalls.Count);
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/swagger/index.html")]
    public async Task The_document_and_Swagger_UI_need_no_key(string path)
    {
        using var anonymous = Gateway.CreateClientWithKey(null);

        using var response = await anonymous.GetAsync(path, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(RemixRoutes.For), "{0}", MemberType = typeof(RemixRoutes))]
    public async Task Another_callers_remix_does_not_exist_for_you_and_Sunra_is_not_asked(string method, string route)
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);

        using var response = await billing.SendAsync(new HttpRequestMessage(new HttpMethod(method), RemixRoutes.Path(route, id)), Cancellation);

        var problem = await response.AssertProblemAsync(404, "/problems/remix-not-found");
        Assert.Equal($"There is no remix with request_id '{id}'.", problem.GetProperty("detail").GetString());
        Assert.Single(SunraCalls);
    }

    [Fact]
    public async Task Logs_name_the_caller_and_never_a_key_or_a_key_hash()
    {
        var before = Gateway.Logs.Events.Count;
        (await Client.SubmitAsync()).GetProperty("request_id").GetString();
        using var stranger = Gateway.CreateClientWithKey("a-wrong-key-that-must-not-be-logged");
        (await stranger.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation)).Dispose();

        var line = Assert.Single(Gateway.Logs.Events.ToArray()[before..], e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal) && e.Properties["StatusCode"].ToString() == "202");
        Assert.Equal("\"orders\"", line.Properties["Caller"].ToString());
        // The host's whole log, the other tests' lines too: a key in any of them is a leak.
        var everything = Gateway.Logs.Everything;
        Assert.DoesNotContain(GatewayFactory.OrdersKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(CallerDirectory.HashOf(GatewayFactory.OrdersKey), everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("a-wrong-key-that-must-not-be-logged", everything, StringComparison.Ordinal);
    }
}
