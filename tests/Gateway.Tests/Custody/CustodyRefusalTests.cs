using System.Diagnostics.Metrics;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Serilog.Events;

namespace Gateway.Tests.Custody;

/// <summary>
/// What custody must not copy is refused before a byte of it is stored, and reported (an Error line and
/// <c>gateway_custody_lost_total</c>), never silently lost: a URL on a host outside
/// <c>Gateway:Custody:AllowedSourceHosts</c>, a file that is not a video, one over
/// <c>Gateway:Custody:MaxBytes</c> (here 50,000 bytes; the emulator's sample video is 69,426). The
/// result keeps answering Sunra's URL.
/// </summary>
public sealed class CustodyRefusalTests() : GatewayTest(
    options => { options.QueueTime = TimeSpan.FromMilliseconds(20); options.RunTime = TimeSpan.FromMilliseconds(20); },
    settings: new Dictionary<string, string?>
    {
        ["Gateway:Custody:Enabled"] = "true",
        ["Gateway:Custody:MaxBytes"] = "50000",
        ["Gateway:Custody:AllowedSourceHosts:0"] = "127.0.0.1",
    })
{
    [Fact]
    public async Task A_result_url_on_a_host_that_is_not_allowed_is_never_fetched()
    {
        // "localhost" reaches the emulator as well as 127.0.0.1 does: only the host check keeps the gateway away.
        Sunra.Files.UrlBase = Sunra.Origin.ToString().TrimEnd('/').Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        Sunra.Files.ReportedSize = 1000;

        using var lost = LostCounter();
        var id = await CompletedRemixAsync();

        await AssertLostAsync(lost, id, "host_not_allowed");
        Assert.Equal(0, Sunra.Files.Downloads);
    }

    [Fact]
    public async Task A_redirect_to_a_host_that_is_not_allowed_is_never_followed()
    {
        Sunra.Files.RedirectTo = Sunra.Origin.ToString().TrimEnd('/').Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        Sunra.Files.ReportedSize = 1000;
        using var lost = LostCounter();

        var id = await CompletedRemixAsync();

        // Asked once, at the allowed host, which redirected: following it would have asked again.
        await AssertLostAsync(lost, id, "host_not_allowed");
        Assert.Equal(1, Sunra.Files.Downloads);
    }

    [Fact]
    public async Task A_file_that_is_not_a_video_is_refused()
    {
        Sunra.Files.ContentType = "text/html";
        Sunra.Files.ReportedSize = 1000;

        using var lost = LostCounter();
        var id = await CompletedRemixAsync();

        await AssertLostAsync(lost, id, "not_video");
    }

    [Fact]
    public async Task A_file_whose_size_is_over_the_limit_is_refused_without_fetching_it()
    {
        using var lost = LostCounter();
        var id = await CompletedRemixAsync();

        await AssertLostAsync(lost, id, "too_large");
        Assert.Equal(0, Sunra.Files.Downloads);
    }

    [Fact]
    public async Task A_file_larger_than_its_result_says_is_refused_once_its_length_shows()
    {
        Sunra.Files.ReportedSize = 1000;

        using var lost = LostCounter();
        var id = await CompletedRemixAsync();

        await AssertLostAsync(lost, id, "too_large");
        Assert.Equal(1, Sunra.Files.Downloads);
    }

    private async Task<string> CompletedRemixAsync()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var answer = await Client.GetAsync($"/remix/{id}", Cancellation);
            if (answer.IsSuccessStatusCode && answer.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                return id;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Remix {id} did not complete.");
            await Task.Delay(20, Cancellation);
        }
    }

    private MetricCollector<long> LostCounter() =>
        new(Gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMeter.Name, "gateway.custody.lost");

    private async Task AssertLostAsync(MetricCollector<long> lost, string id, string reason)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!Gateway.Logs.Events.Any(e => e.Level == LogEventLevel.Error && e.Properties.TryGetValue("RequestId", out var request) && request.ToString() == $"\"{id}\""))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The copy of remix {id} was not reported lost.");
            await Task.Delay(20, Cancellation);
        }

        var line = Gateway.Logs.Events.Single(e => e.Level == LogEventLevel.Error && e.Properties["RequestId"].ToString() == $"\"{id}\"");
        Assert.Equal($"\"{reason}\"", line.Properties["Reason"].ToString());
        Assert.Contains("stays only at Sunra's URL", line.RenderMessage(), StringComparison.Ordinal);
        var measurement = Assert.Single(lost.GetMeasurementSnapshot());
        Assert.Equal(reason, measurement.Tags["reason"]);

        Assert.False(Directory.Exists(Gateway.VideoDirectory) && Directory.EnumerateFileSystemEntries(Gateway.VideoDirectory).Any());
        using var answer = await Client.GetAsync($"/remix/{id}", Cancellation);
        var video = (await answer.ReadJsonAsync()).GetProperty("video");
        Assert.False(video.GetProperty("kept_by_gateway").GetBoolean());
        Assert.Equal(JsonValueKind.String, video.GetProperty("url").ValueKind);
    }
}
