using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Remix;

/// <summary>The status route's <c>logs</c>: a boolean, empty meaning the default, anything else the gateway's own problem naming it.</summary>
public sealed class StatusLogsTests : GatewayTest
{
    [Theory]
    [InlineData("", HttpStatusCode.OK)]
    [InlineData("false", HttpStatusCode.OK)]
    [InlineData("True", HttpStatusCode.OK)]
    [InlineData("2", HttpStatusCode.BadRequest)]
    public async Task Logs_is_read_as_a_boolean_and_empty_is_the_default(string logs, HttpStatusCode expected)
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

        using var status = await Client.GetAsync($"/remix/{id}/status?logs={logs}", Cancellation);

        Assert.Equal(expected, status.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            var problem = await status.AssertProblemAsync(400, "/problems/invalid-request");
            Assert.True(problem.GetProperty("errors").TryGetProperty("logs", out _));
        }
    }
}
