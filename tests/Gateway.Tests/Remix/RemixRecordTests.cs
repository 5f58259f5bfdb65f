using System.Net;
using System.Text.Json;
using Gateway.State;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Remix;

/// <summary>
/// The record of each remix: <c>GET /remix</c> lists a caller's own, newest first, in pages;
/// <c>DELETE /remix/{request_id}</c> forgets one that has ended; records leave after their retention.
/// Sunra and the gateway share one clock in the test's hand: a remix queues 10 s, then runs 10 s.
/// </summary>
public sealed class RemixRecordTests : GatewayTest
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock;

    public RemixRecordTests()
        : this(new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero)))
    {
    }

    private RemixRecordTests(FakeTimeProvider clock)
        : base(options => { options.QueueTime = Step; options.RunTime = Step; }, clock, gatewayClock: clock)
    {
        _clock = clock;
    }

    [Fact]
    public async Task A_caller_lists_its_remixes_newest_first_in_pages_that_follow_each_other_with_the_submits_links()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await SubmitAsync(Client));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await ListAsync(Client, "?limit=2");
        var second = await ListAsync(Client, "?limit=2&after=" + first.GetProperty("next").GetString());
        var third = await ListAsync(Client, "?limit=2&after=" + second.GetProperty("next").GetString());

        Assert.Equal([ids[4], ids[3]], IdsOf(first));
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal([ids[2], ids[1]], IdsOf(second));
        Assert.Equal([ids[0]], IdsOf(third));
        Assert.False(third.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, third.GetProperty("next").ValueKind);

        var item = first.GetProperty("data")[0];
        var id = ids[4];
        Assert.Equal("IN_QUEUE", item.GetProperty("status").GetString());
        Assert.Equal("video_123", item.GetProperty("video_id").GetString());
        Assert.Equal(_clock.GetUtcNow() - TimeSpan.FromSeconds(1), item.GetProperty("submitted_at").GetDateTimeOffset());
        Assert.Equal($"/remix/{id}/status", item.GetProperty("status_url").GetString());
        Assert.Equal($"/remix/{id}", item.GetProperty("result_url").GetString());
        Assert.Equal($"/remix/{id}/cancel", item.GetProperty("cancel_url").GetString());
        Assert.Equal($"/remix/{id}/events", item.GetProperty("events_url").GetString());
        var all = IdsOf(await ListAsync(Client, ""));
        Assert.Equal([.. ids.AsEnumerable().Reverse()], all);
    }

    [Fact]
    public async Task Another_callers_remixes_never_appear_in_a_callers_list()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        var older = await SubmitAsync(billing);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var theirs = new[] { older, await SubmitAsync(billing) };
        var mine = await SubmitAsync(Client);

        Assert.Equal([mine], IdsOf(await ListAsync(Client, "")));
        var listed = IdsOf(await ListAsync(billing, ""));
        Assert.Equal([theirs[1], theirs[0]], listed);
    }

    [Fact]
    public async Task The_list_shows_the_latest_status_the_gateway_learned_and_filters_by_it()
    {
        var running = await SubmitAsync(Client);
        _clock.Advance(Step + TimeSpan.FromSeconds(1));
        var queued = await SubmitAsync(Client);
        await StatusOfAsync(running, "IN_PROGRESS");
        await StatusOfAsync(queued, "IN_QUEUE");

        Assert.Equal([running], IdsOf(await ListAsync(Client, "?status=IN_PROGRESS")));
        Assert.Equal([queued], IdsOf(await ListAsync(Client, "?status=IN_QUEUE")));
        Assert.Empty(IdsOf(await ListAsync(Client, "?status=CANCELED")));

        _clock.Advance(Step);
        await StatusOfAsync(running, "COMPLETED");
        var completed = (await ListAsync(Client, "?status=COMPLETED")).GetProperty("data");
        Assert.Equal(running, Assert.Single(completed.EnumerateArray()).GetProperty("request_id").GetString());
        Assert.True(completed[0].GetProperty("success").GetBoolean());
        Assert.Equal(_clock.GetUtcNow(), completed[0].GetProperty("status_seen_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_failed_generation_is_kept_in_its_record_with_Sunras_error()
    {
        Sunra.Requests.FailNextGeneration("content_policy_violation", "The prompt was flagged by the content policy.");
        var id = await SubmitAsync(Client);
        _clock.Advance(Step + Step);
        await StatusOfAsync(id, "COMPLETED");

        var record = JsonDocument.Parse((await Store.GetAsync("record:" + id))!).RootElement;
        Assert.Equal("COMPLETED", record.GetProperty("status").GetString());
        Assert.False(record.GetProperty("success").GetBoolean());
        Assert.Equal("content_policy_violation", record.GetProperty("error").GetProperty("code").GetString());

        var item = (await ListAsync(Client, "")).GetProperty("data")[0];
        Assert.False(item.GetProperty("success").GetBoolean());
        Assert.Equal("content_policy_violation", item.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task By_default_a_record_keeps_no_prompt()
    {
        var id = await SubmitAsync(Client, "a secret campaign at dusk");

        Assert.DoesNotContain("secret campaign", await Store.GetAsync("record:" + id), StringComparison.Ordinal);
        Assert.False((await ListAsync(Client, "")).GetProperty("data")[0].TryGetProperty("prompt", out _));
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?limit=2.5", "limit")]
    [InlineData("?status=DONE", "status")]
    [InlineData("?status=in_queue", "status")]
    [InlineData("?after=not%20a%20cursor", "after")]
    public async Task A_bad_list_parameter_is_a_400_that_names_it(string query, string parameter)
    {
        using var response = await Client.GetAsync("/remix" + query, Cancellation);

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.NotEmpty(problem.ErrorsFor(parameter));
    }

    [Fact]
    public async Task Deleting_a_completed_remix_answers_204_and_it_is_gone_from_its_routes_and_the_list()
    {
        var kept = await SubmitAsync(Client);
        var id = await SubmitAsync(Client);
        _clock.Advance(Step + Step);
        await StatusOfAsync(id, "COMPLETED");
        using (var result = await Client.GetAsync($"/remix/{id}", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        }

        using (var deleted = await Client.DeleteAsync($"/remix/{id}", Cancellation))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var callsAfterDelete = SunraCalls.Count;
        foreach (var (method, route) in RemixRoutes.OnOneRemix)
        {
            using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), RemixRoutes.Path(route, id)), Cancellation);
            await response.AssertProblemAsync(404, "/problems/remix-not-found");
        }

        Assert.Equal(callsAfterDelete, SunraCalls.Count);
        Assert.Equal([kept], IdsOf(await ListAsync(Client, "")));
        foreach (var key in new[] { "record:", "owner:", "remix-status:", "result:" })
        {
            Assert.Null(await Store.GetAsync(key + id));
        }
    }

    [Fact]
    public async Task Deleting_a_remix_still_queued_or_running_is_refused_with_409_and_it_is_kept()
    {
        var id = await SubmitAsync(Client);

        using (var queued = await Client.DeleteAsync($"/remix/{id}", Cancellation))
        {
            var problem = await queued.AssertProblemAsync(409, "/problems/remix-running");
            Assert.Contains("cancel", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        _clock.Advance(Step + TimeSpan.FromSeconds(1));
        using (var running = await Client.DeleteAsync($"/remix/{id}", Cancellation))
        {
            await running.AssertProblemAsync(409, "/problems/remix-running");
        }

        Assert.Equal([id], IdsOf(await ListAsync(Client, "")));
        await StatusOfAsync(id, "IN_PROGRESS");
    }

    [Fact]
    public async Task A_canceled_remix_can_be_deleted()
    {
        var id = await SubmitAsync(Client);
        using (var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        _clock.Advance(TimeSpan.FromSeconds(1));
        using var deleted = await Client.DeleteAsync($"/remix/{id}", Cancellation);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(IdsOf(await ListAsync(Client, "")));
    }

    [Fact]
    public async Task Deleting_another_callers_remix_is_a_404_and_leaves_it_in_place()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        var theirs = await SubmitAsync(billing);
        _clock.Advance(Step + Step);
        await StatusOfAsync(theirs, "COMPLETED", billing);

        using var refused = await Client.DeleteAsync($"/remix/{theirs}", Cancellation);

        await refused.AssertProblemAsync(404, "/problems/remix-not-found");
        Assert.Equal([theirs], IdsOf(await ListAsync(billing, "")));
    }

    [Fact]
    public async Task Records_past_their_retention_leave_the_list_and_their_indexes_in_the_background()
    {
        var old = await SubmitAsync(Client);
        _clock.Advance(TimeSpan.FromDays(20));
        var recent = await SubmitAsync(Client);

        _clock.Advance(TimeSpan.FromDays(10) + TimeSpan.FromMinutes(5));

        Assert.Equal([recent], IdsOf(await ListAsync(Client, "")));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await Store.IndexPageAsync("records-of:orders", null, 10)).Count > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The index still holds remix {old}.");
            await Task.Delay(20, Cancellation);
        }

        Assert.Equal(recent, Assert.Single(await Store.IndexPageAsync("records-of:orders", null, 10)).Member);
        Assert.Equal(recent, Assert.Single(await Store.IndexPageAsync("records:expiring", null, 10)).Member.Split(' ')[0]);
    }

    [Fact]
    public async Task While_one_replica_sweeps_expired_records_another_replicas_sweeper_waits_for_the_next_interval()
    {
        await SubmitAsync(Client);
        _clock.Advance(TimeSpan.FromDays(31));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await Store.IndexPageAsync("records-of:orders", null, 10)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The background sweep did not run.");
            await Task.Delay(20, Cancellation);
        }

        // The background sweep holds this interval's lease: a second sweeper (another replica's) waits for the next.
        var another = ActivatorUtilities.CreateInstance<global::Gateway.Core.RecordSweeper>(Gateway.Services);
        Assert.False(await another.SweepAsync());
    }

    private IStateStore Store => Gateway.Services.GetRequiredService<IStateStore>();

    private static async Task<string> SubmitAsync(HttpClient client, string prompt = "make it rain") =>
        (await client.SubmitAsync(prompt: prompt)).GetProperty("request_id").GetString()!;

    private static async Task<JsonElement> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/remix" + query, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private static string[] IdsOf(JsonElement page) =>
        [.. page.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("request_id").GetString()!)];

    private async Task StatusOfAsync(string id, string expected, HttpClient? client = null)
    {
        using var response = await (client ?? Client).GetAsync($"/remix/{id}/status", Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, (await response.ReadJsonAsync()).GetProperty("status").GetString());
    }
}

/// <summary>Where the operators chose to keep prompts, the record and the list carry them.</summary>
public sealed class KeptPromptTests() : GatewayTest(settings: new Dictionary<string, string?> { ["Gateway:Records:KeepPrompts"] = "true" })
{
    [Fact]
    public async Task With_KeepPrompts_on_the_list_shows_each_remixs_prompt()
    {
        await Client.SubmitAsync(prompt: "the same scene in fog");

        using var response = await Client.GetAsync("/remix", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("the same scene in fog", (await response.ReadJsonAsync()).GetProperty("data")[0].GetProperty("prompt").GetString());
    }
}
