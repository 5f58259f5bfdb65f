using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sunra.Emulator;

namespace Gateway.Tests.Custody;

/// <summary>
/// Custody of videos, in process against the emulator over loopback, its files kept in a directory:
/// a completed remix's video is copied once into the gateway's storage, and its result then answers the
/// gateway's signed link, which plays without a caller key, seeks, revalidates and outlives Sunra's
/// URL; links that are changed, another remix's or expired are refused; a copy that must not be made
/// is refused and reported. Sunra and the gateway share one clock in the test's hand: a remix queues
/// 10 s, then runs 10 s.
/// </summary>
public sealed class CustodyTests : GatewayTest
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock;

    public CustodyTests()
        : this(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)))
    {
    }

    private CustodyTests(FakeTimeProvider clock)
        : base(options => { options.QueueTime = Step; options.RunTime = Step; }, clock, Settings, gatewayClock: clock)
    {
        _clock = clock;
    }

    private static Dictionary<string, string?> Settings => new()
    {
        ["Gateway:Custody:Enabled"] = "true",
        ["Gateway:Custody:FirstRetrySeconds"] = "0.1",
        ["Gateway:Custody:LinkMinutes"] = "60",
        ["Gateway:Custody:RetentionDays"] = "7",
    };

    private static byte[] Sample => FileHosting.Sample.ToArray();

    [Fact]
    public async Task A_completed_remixs_video_is_copied_once_and_its_result_then_answers_the_gateways_signed_link_on_both_doors()
    {
        var id = await CompletedRemixAsync();

        var video = await KeptVideoAsync(id);
        var url = video.GetProperty("url").GetString()!;
        Assert.StartsWith($"http://localhost/videos/{id}?expires=", url, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Sample)), video.GetProperty("sha256").GetString());
        Assert.Equal(Sample.Length, video.GetProperty("file_size").GetInt64());
        Assert.Equal("video/mp4", video.GetProperty("content_type").GetString());
        Assert.True(video.GetProperty("url_expires_at").GetDateTimeOffset() >= _clock.GetUtcNow().AddMinutes(60));

        // The Sunra door's result is the same link, as Sunra's clients download it.
        using var v1 = await Client.GetAsync($"/v1/queue/requests/{id}", Cancellation);
        var v1Video = (await v1.ReadJsonAsync()).GetProperty("video");
        Assert.True(v1Video.GetProperty("kept_by_gateway").GetBoolean());
        Assert.Equal(url, v1Video.GetProperty("url").GetString());

        // No caller key: the link is the credential.
        using var anonymous = Gateway.CreateClientWithKey(null);
        using var answer = await anonymous.GetAsync(url, Cancellation);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("video/mp4", answer.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Sample.Length, answer.Content.Headers.ContentLength);
        Assert.Equal($"\"{video.GetProperty("sha256").GetString()}\"", answer.Headers.ETag?.Tag);
        Assert.Contains("bytes", answer.Headers.AcceptRanges);
        Assert.Equal(Sample, await answer.Content.ReadAsByteArrayAsync(Cancellation));

        using var list = await Client.GetAsync("/remix", Cancellation);
        Assert.True((await list.ReadJsonAsync()).GetProperty("data")[0].GetProperty("video_kept").GetBoolean());

        // Read again and again: copied once.
        await Client.GetAsync($"/remix/{id}", Cancellation);
        Assert.Equal(1, Sunra.Files.Downloads);
        Assert.Single(Directory.GetFiles(Gateway.VideoDirectory));
    }

    [Fact]
    public async Task A_kept_video_answers_ranges_for_players_that_seek_and_revalidates_by_its_ETag()
    {
        var url = (await KeptVideoAsync(await CompletedRemixAsync())).GetProperty("url").GetString()!;
        using var anonymous = Gateway.CreateClientWithKey(null);

        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var part = await anonymous.SendAsync(range, Cancellation);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal($"bytes 1000-1999/{Sample.Length}", part.Content.Headers.ContentRange?.ToString());
        Assert.Equal(Sample[1000..2000], await part.Content.ReadAsByteArrayAsync(Cancellation));

        using var tail = new HttpRequestMessage(HttpMethod.Get, url);
        tail.Headers.Range = new RangeHeaderValue(null, 100);
        using var end = await anonymous.SendAsync(tail, Cancellation);
        Assert.Equal(Sample[^100..], await end.Content.ReadAsByteArrayAsync(Cancellation));

        using var whole = await anonymous.GetAsync(url, Cancellation);
        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(whole.Headers.ETag!);
        using var notModified = await anonymous.SendAsync(again, Cancellation);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var beyond = new HttpRequestMessage(HttpMethod.Get, url);
        beyond.Headers.Range = new RangeHeaderValue(Sample.Length + 10, null);
        using var unsatisfiable = await anonymous.SendAsync(beyond, Cancellation);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task A_changed_link_or_another_remixs_is_refused_with_403_and_an_expired_one_is_gone_with_410()
    {
        var first = await CompletedRemixAsync();
        var second = await CompletedRemixAsync();
        var url = (await KeptVideoAsync(first)).GetProperty("url").GetString()!;
        await KeptVideoAsync(second);
        var query = new Uri(url).Query;
        var expires = long.Parse(System.Web.HttpUtility.ParseQueryString(query)["expires"]!, System.Globalization.CultureInfo.InvariantCulture);
        var signature = System.Web.HttpUtility.ParseQueryString(query)["signature"]!;
        using var anonymous = Gateway.CreateClientWithKey(null);

        string[] forged =
        [
            $"/videos/{second}{query}",
            $"/videos/{first}?expires={expires + 3600}&signature={signature}",
            $"/videos/{first}?expires={expires}&signature={(signature[0] == 'A' ? 'B' : 'A')}{signature[1..]}",
            $"/videos/{first}?expires={expires}",
            $"/videos/{first}",
            $"/videos/a.b{query}",
        ];
        foreach (var link in forged)
        {
            using var refused = await anonymous.GetAsync(link, Cancellation);
            await refused.AssertProblemAsync(403, "/problems/video-link-invalid");
        }

        _clock.Advance(TimeSpan.FromMinutes(62));
        using var expired = await anonymous.GetAsync(url, Cancellation);
        await expired.AssertProblemAsync(410, "/problems/video-link-expired");

        // A fresh read gives a fresh link.
        var fresh = (await KeptVideoAsync(first)).GetProperty("url").GetString()!;
        using var plays = await anonymous.GetAsync(fresh, Cancellation);
        Assert.Equal(HttpStatusCode.OK, plays.StatusCode);
    }

    [Fact]
    public async Task Once_kept_the_video_plays_through_the_gateway_after_Sunras_URL_is_gone()
    {
        var id = await CompletedRemixAsync();
        var url = (await KeptVideoAsync(id)).GetProperty("url").GetString()!;
        var sunraUrl = $"{Sunra.Origin}files/{id}.mp4";

        Sunra.Files.Gone = true;

        using var direct = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await direct.GetAsync(sunraUrl, Cancellation)).StatusCode);
        using var anonymous = Gateway.CreateClientWithKey(null);
        Assert.Equal(Sample, await anonymous.GetByteArrayAsync(url, Cancellation));
    }

    [Fact]
    public async Task Until_the_copy_is_made_the_result_answers_Sunras_URL_and_says_so_and_a_failed_copy_is_tried_again()
    {
        Sunra.Files.Gone = true;
        var id = await CompletedRemixAsync();

        using var answer = await Client.GetAsync($"/remix/{id}", Cancellation);
        var video = (await answer.ReadJsonAsync()).GetProperty("video");
        Assert.False(video.GetProperty("kept_by_gateway").GetBoolean());
        Assert.StartsWith(Sunra.Origin.ToString(), video.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.False(video.TryGetProperty("sha256", out _));

        // The retry's wait runs on the gateway's clock.
        await WaitForAsync(() => Sunra.Files.Downloads >= 2, "The copy was not tried again after Sunra's URL failed.", () => _clock.Advance(TimeSpan.FromSeconds(1)));
        Sunra.Files.Gone = false;

        await KeptVideoAsync(id);
        Assert.Contains(Gateway.Logs.Events, e => e.Level == Serilog.Events.LogEventLevel.Warning
            && e.Properties["RequestId"].ToString() == $"\"{id}\"" && e.Properties.TryGetValue("Reason", out var reason) && reason.ToString() == "\"source_gone\"");
    }

    [Fact]
    public async Task A_deleted_remixs_kept_video_is_removed_and_its_link_no_longer_plays()
    {
        var id = await CompletedRemixAsync();
        var url = (await KeptVideoAsync(id)).GetProperty("url").GetString()!;

        using var deleted = await Client.DeleteAsync($"/remix/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        Assert.Empty(Directory.GetFiles(Gateway.VideoDirectory));
        using var anonymous = Gateway.CreateClientWithKey(null);
        using var gone = await anonymous.GetAsync(url, Cancellation);
        await gone.AssertProblemAsync(404, "/problems/video-not-kept");
    }

    [Fact]
    public async Task A_video_kept_past_its_retention_is_removed_in_the_background_and_the_result_answers_Sunras_URL_again()
    {
        var id = await CompletedRemixAsync();
        await KeptVideoAsync(id);

        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(5));

        await WaitForAsync(() => Directory.GetFiles(Gateway.VideoDirectory).Length == 0, "The expired video was not removed.");
        using var answer = await Client.GetAsync($"/remix/{id}", Cancellation);
        var video = (await answer.ReadJsonAsync()).GetProperty("video");
        Assert.False(video.GetProperty("kept_by_gateway").GetBoolean());
        Assert.StartsWith(Sunra.Origin.ToString(), video.GetProperty("url").GetString(), StringComparison.Ordinal);
        using var list = await Client.GetAsync("/remix", Cancellation);
        Assert.False((await list.ReadJsonAsync()).GetProperty("data")[0].GetProperty("video_kept").GetBoolean());
    }

    [Fact]
    public async Task A_file_of_another_size_than_Sunras_file_size_is_not_kept_and_is_reported_lost_once_the_give_up_time_passes()
    {
        Sunra.Files.ReportedSize = Sample.Length + 1;
        var id = await CompletedRemixAsync();
        using var read = await Client.GetAsync($"/remix/{id}", Cancellation);

        await WaitForAsync(() => Sunra.Files.Downloads >= 2, "The copy was not tried again.", () => _clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Empty(Directory.Exists(Gateway.VideoDirectory) ? Directory.GetFiles(Gateway.VideoDirectory) : []);

        _clock.Advance(TimeSpan.FromHours(24));
        await WaitForAsync(
            () => Gateway.Logs.Events.Any(e => e.Level == Serilog.Events.LogEventLevel.Error && e.Properties["RequestId"].ToString() == $"\"{id}\""
                && e.Properties["Reason"].ToString() == "\"size_mismatch\""),
            "The copy was not reported lost.",
            () => _clock.Advance(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_queued_copy_whose_index_entry_the_store_lost_is_put_back_by_a_read_of_its_result()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

        // Queued a minute ago, as if the store had failed between writing the job and indexing it.
        var queuedAt = _clock.GetUtcNow().AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await Gateway.Services.GetRequiredService<global::Gateway.State.IStateStore>().SetAsync(
            "custody-job:" + id, $$"""{"request_id":"{{id}}","since":"{{queuedAt}}","state":0,"failures":0,"next_attempt_at":"{{queuedAt}}"}""", TimeSpan.FromDays(1));
        _clock.Advance(Step * 2 + TimeSpan.FromSeconds(1));

        await KeptVideoAsync(id);
    }

    private async Task<string> CompletedRemixAsync()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        _clock.Advance(Step * 2 + TimeSpan.FromSeconds(1));
        return id;
    }

    /// <summary>The result's video once the gateway keeps it (each read of the result also starts the copy, should nothing else have).</summary>
    private async Task<JsonElement> KeptVideoAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            using var answer = await Client.GetAsync($"/remix/{id}", Cancellation);
            if (answer.StatusCode == HttpStatusCode.OK
                && (await answer.ReadJsonAsync()).GetProperty("video") is var video
                && video.GetProperty("kept_by_gateway").GetBoolean())
            {
                return video;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Remix {id}'s video was not kept: {answer.StatusCode} {await answer.Content.ReadAsStringAsync(Cancellation)}");

            // A copy tried again waits on the gateway's clock.
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, Cancellation);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string failure, Action? meanwhile = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            meanwhile?.Invoke();
            await Task.Delay(50, Cancellation);
        }
    }
}
