using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Remix;

/// <summary>The request id on the routes: hostile ones never reach Sunra. The tests share one host: each counts only the calls Sunra got from it.</summary>
public sealed class RequestIdTests(GatewayHost host) : GatewayTest(host), IClassFixture<GatewayHost>
{
    public static TheoryData<string, string> HostileIds()
    {
        string[] ids =
        [
            "..", "%2e%2e", "a.b", "a%2Fb", "a%2fb", "%2F..%2F..%2Fadmin", "..%5C..%5Cwin", "a%20b",
            "a;b", "a%3Fx%3D1", "%C3%BC", "a:b", new string('a', 129), "a%252Fb",
        ];
        var data = new TheoryData<string, string>();
        foreach (var (method, route) in RemixRoutes.OnOneRemix)
        {
            foreach (var id in ids)
            {
                data.Add(method, RemixRoutes.Path(route, id));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileIds))]
    public async Task A_hostile_request_id_is_refused_and_never_reaches_Sunra(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri("http://localhost" + path, UriKind.Absolute));

        using var response = await Client.SendAsync(request, Cancellation);

        Assert.InRange((int)response.StatusCode, 400, 405);
        Assert.NotEqual(401, (int)response.StatusCode);
        Assert.NotEqual(403, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task A_malformed_request_id_is_named_in_a_400_problem()
    {
        using var response = await Client.GetAsync("/remix/a.b/status", Cancellation);

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.NotEmpty(problem.ErrorsFor("request_id"));
    }

    [Fact]
    public async Task The_longest_valid_request_id_is_passed_to_Sunra()
    {
        var id = "A-z_9" + new string('x', 123);
        await OwnAsync(id);

        using var response = await Client.GetAsync($"/remix/{id}/status", Cancellation);

        await response.AssertProblemAsync(404, "/problems/remix-not-found");
        Assert.Equal($"/v1/queue/requests/{id}/status?logs=0", Assert.Single(SunraCalls).PathAndQuery);
    }
}
