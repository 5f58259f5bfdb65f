using System.Net.Http.Headers;
using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>Speaks to the gateway's Sunra doors as Sunra's clients do.</summary>
public static class SunraWire
{
    public const string SubmitPath = "/v1/queue/openai/sora-2/video-to-video";

    public const string ProxyPath = "/api/sunra/proxy";

    /// <summary>The Sunra URL a client configured with proxyUrl names in X-Sunra-Target-Url.</summary>
    public const string SunraQueue = "https://api.sunra.ai/v1/queue/";

    /// <summary>A client that presents this key as Sunra's clients do: <c>Authorization: Key &lt;key&gt;</c>.</summary>
    public static HttpClient WithSunraKey(this HttpClient client, string key)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Key", key);
        return client;
    }

    /// <summary>The call a proxy-configured client makes: to the proxy route, the real URL in the header.</summary>
    public static HttpRequestMessage Proxied(string method, string target, string? json = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), ProxyPath);
        request.Headers.TryAddWithoutValidation("X-Sunra-Target-Url", target);
        if (json is not null)
        {
            request.Content = Http.Json(json);
        }

        return request;
    }

    /// <summary>Asserts Sunra's error body, as application/json with x-request-id, and returns its <c>error</c>.</summary>
    public static async Task<JsonElement> AssertSunraErrorAsync(this HttpResponseMessage response, int status, string? code = null)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var body = await response.ReadJsonAsync();
        Assert.Equal(requestId, body.GetProperty("request_id").GetString());
        Assert.True(body.GetProperty("timestamp").TryGetDateTimeOffset(out _));
        var error = body.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("details", out _));
        if (code is not null)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }

        return error;
    }
}
