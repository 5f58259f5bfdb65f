using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Replicas;

/// <summary>
/// Two published gateways on one Redis keep one history: a caller's list, paged across both replicas,
/// holds every remix it bought on either and no other caller's, and a remix deleted on one replica is
/// gone on the other, even where that one had it in memory.
/// </summary>
[FullTier("redis-server, nginx and the published gateway")]
public sealed class RecordReplicaTests : IAsyncLifetime
{
    private ReplicaSet _set = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private GatewayProcess A => _set.Replicas[0];

    private GatewayProcess B => _set.Replicas[1];

    public async ValueTask InitializeAsync() =>
        _set = await ReplicaSet.StartAsync(2, options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(200), Cancellation);

    public ValueTask DisposeAsync() => _set.DisposeAsync();

    [Fact]
    public async Task A_callers_list_pages_through_the_remixes_it_bought_on_either_replica_and_no_one_elses()
    {
        using var a = _set.Client(A);
        using var b = _set.Client(B);
        using var billing = _set.Client(B, GatewayFactory.BillingKey);
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add(await SubmitAsync(i % 2 == 0 ? a : b));
            await Task.Delay(5, Cancellation);
        }

        var theirs = await SubmitAsync(billing);

        var listed = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await ListAsync(pages % 2 == 0 ? b : a, "?limit=2" + (after is null ? "" : "&after=" + after));
            listed.AddRange(IdsOf(page));
            after = page.GetProperty("next").GetString();
            Assert.Equal(after is not null, page.GetProperty("has_more").GetBoolean());
            pages++;
        }
        while (after is not null);

        Assert.Equal([.. Enumerable.Reverse(mine)], listed);
        Assert.Equal(3, pages);
        using var billingOnA = _set.Client(A, GatewayFactory.BillingKey);
        var billingsOwn = IdsOf(await ListAsync(billingOnA, ""));
        Assert.Equal([theirs], billingsOwn);
    }

    [Fact]
    public async Task A_remix_deleted_on_one_replica_is_gone_on_the_other_which_had_it_in_memory()
    {
        using var a = _set.Client(A);
        using var b = _set.Client(B);
        var id = await SubmitAsync(a);
        await WaitForAsync(b, id, "COMPLETED");
        using (var result = await b.GetAsync($"/remix/{id}", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        }

        var sunraCalls = _set.Sunra.Calls.Count;
        using (var deleted = await a.DeleteAsync($"/remix/{id}", Cancellation))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // B keeps the owner, the final status and the result in memory: only the message from A makes it forget them.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            using var status = await b.GetAsync($"/remix/{id}/status", Cancellation);
            if (status.StatusCode == HttpStatusCode.NotFound)
            {
                await status.AssertProblemAsync(404, "/problems/remix-not-found");
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Replica B still answers {status.StatusCode} for the deleted remix.");
            await Task.Delay(20, Cancellation);
        }

        using (var result = await b.GetAsync($"/remix/{id}", Cancellation))
        {
            await result.AssertProblemAsync(404, "/problems/remix-not-found");
        }

        Assert.Empty(IdsOf(await ListAsync(b, "")));
        Assert.Equal(sunraCalls, _set.Sunra.Calls.Count);
    }

    private static async Task<string> SubmitAsync(HttpClient client) =>
        (await client.SubmitAsync()).GetProperty("request_id").GetString()!;

    private static async Task<JsonElement> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/remix" + query, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private static string[] IdsOf(JsonElement page) =>
        [.. page.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("request_id").GetString()!)];

    private static async Task WaitForAsync(HttpClient client, string id, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await client.GetAsync($"/remix/{id}/status", Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if ((await response.ReadJsonAsync()).GetProperty("status").GetString() == state)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Remix {id} was not {state} within 10 s.");
            await Task.Delay(50, Cancellation);
        }
    }
}
