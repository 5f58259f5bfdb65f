using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The W3C trace context a submit carries to Sunra; the traced and sampled case runs against the
/// published gateway (OperationsTests). The tests share one host: each reads only the calls it made.
/// </summary>
public sealed class TraceContextTests(GatewayHost host) : GatewayTest(host), IClassFixture<GatewayHost>
{
    private const string CallerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public async Task A_callers_unsampled_trace_reaches_Sunra_unsampled_under_a_span_of_the_gateways()
    {
        var traceParent = await SunraTraceParentAsync($"00-{CallerTrace}-00f067aa0ba902b7-00");

        Assert.Matches($"^00-{CallerTrace}-[0-9a-f]{{16}}-00$", traceParent);
        Assert.DoesNotContain("00f067aa0ba902b7", traceParent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_callers_trace_the_gateway_starts_one_which_it_does_not_sample()
    {
        var first = await SunraTraceParentAsync(traceParent: null);
        var second = await SunraTraceParentAsync(traceParent: null);

        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-00$", first);
        Assert.NotEqual(first[3..35], second[3..35]);
        Assert.DoesNotContain(new string('0', 32), first, StringComparison.Ordinal);
    }

    private async Task<string> SunraTraceParentAsync(string? traceParent)
    {
        var before = Sunra.Calls.All.Count;
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Http.Remix("v", "traced")) };
        if (traceParent is not null)
        {
            submit.Headers.Add("traceparent", traceParent);
        }

        using var accepted = await Client.SendAsync(submit, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var call = Assert.Single(Sunra.Calls.All.ToArray()[before..]);
        return Assert.IsType<string>(call.TraceParent);
    }
}
