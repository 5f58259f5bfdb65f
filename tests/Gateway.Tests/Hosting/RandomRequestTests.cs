using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// A bounded run of random requests (fixed seed, so a failure repeats): no input makes the gateway
/// answer 500, and every refusal is a problem answer.
/// </summary>
public sealed class RandomRequestTests() : GatewayTest(emulator: options => options.QueueTime = options.RunTime = TimeSpan.Zero)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    private static readonly string[] Ids = ["pd_abc", "..", "%2e%2e", "a%2Fb", new('x', 200), "a%20b", "%F0%9F%98%80", "a%3Fb", "%ZZ", "a%5Cb"];
    private static readonly string[] Paths = ["/remix", "/remix/", "/remix/{id}", "/remix/{id}/status", "/remix/{id}/cancel", "/remix/{id}/status?logs={q}", "/health/ready", "/{id}"];
    private static readonly string[] Queries = ["true", "1", "maybe", "", "%00"];
    private static readonly string?[] ContentTypes =
        [null, "application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "application/json; charset=\"x\"", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "*/*"];

    [Fact]
    public async Task No_random_request_makes_the_gateway_answer_500_and_every_refusal_is_a_problem()
    {
        var random = new Random(20261123);
        var failures = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            var method = Methods[random.Next(Methods.Length)];
            var path = Paths[random.Next(Paths.Length)].Replace("{id}", Ids[random.Next(Ids.Length)], StringComparison.Ordinal)
                .Replace("{q}", Queries[random.Next(Queries.Length)], StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT" or "PATCH")
            {
                request.Content = new ByteArrayContent(Body(random));
                if (ContentTypes[random.Next(ContentTypes.Length)] is { } type)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
                }
            }

            using var response = await Client.SendAsync(request, Cancellation);

            var status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var hasBody = (await response.Content.ReadAsByteArrayAsync(Cancellation)).Length > 0;
            if (status >= 500 || (status >= 400 && hasBody && mediaType != "application/problem+json"))
            {
                failures.Add($"{method} {path} ({request.Content?.Headers.ContentType}) → {status} {mediaType}");
            }
        }

        Assert.Empty(failures);
    }

    private static byte[] Body(Random random)
    {
        switch (random.Next(8))
        {
            case 0:
                return [];
            case 1:
                var noise = new byte[random.Next(1, 300)];
                random.NextBytes(noise);
                return noise;
            case 2:
                return Encoding.UTF8.GetBytes(new string('{', random.Next(1, 200)));
            case 3:
                return Encoding.UTF8.GetBytes("""{"video_id":"v","prompt":"\ud800\udc00\ud800"}""");
            case 4:
                return Encoding.UTF8.GetBytes("""{"video_id":"v","prompt":"p","n":1e999999}""");
            case 5:
                return Encoding.UTF8.GetBytes("""[1, 2, {"a": "b"}]""");
            case 6:
                return Encoding.UTF8.GetBytes($$"""{"video_id": {{(random.Next(2) == 0 ? "5" : "null")}}, "prompt": "{{new string('x', random.Next(1, 6000))}}"}""");
            default:
                return Encoding.UTF8.GetBytes(Http.Remix("v", new string('x', random.Next(1, 6000))));
        }
    }
}
