using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Custody;

/// <summary>
/// A copy under way when its remix is deleted leaves nothing behind: Sunra sends the file slowly (about
/// three and a half seconds), the caller deletes the remix in the middle, and once the copy has ended
/// the directory holds no video and the remix is gone.
/// </summary>
public sealed class CustodyRaceTests() : GatewayTest(
    options => { options.QueueTime = TimeSpan.FromMilliseconds(20); options.RunTime = TimeSpan.FromMilliseconds(20); },
    settings: new Dictionary<string, string?> { ["Gateway:Custody:Enabled"] = "true" })
{
    [Fact]
    public async Task A_remix_deleted_while_its_video_is_copied_keeps_no_video()
    {
        Sunra.Files.BytesPerSecond = 20_000;
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        await WaitForAsync(async () => (await Client.GetAsync($"/remix/{id}", Cancellation)).StatusCode == HttpStatusCode.OK, "The remix did not complete.");
        await WaitForAsync(() => Task.FromResult(Sunra.Files.Downloads == 1), "The copy did not begin.");

        using var deleted = await Client.DeleteAsync($"/remix/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // The copy ends (its file sent) and finds its remix gone.
        await WaitForAsync(
            () => Task.FromResult(Gateway.Logs.Events.Any(e => e.Properties.TryGetValue("RequestId", out var request) && request.ToString() == $"\"{id}\""
                && e.MessageTemplate.Text.Contains("deleted while", StringComparison.Ordinal))),
            "The copy did not end.");
        Assert.Empty(Directory.Exists(Gateway.VideoDirectory) ? Directory.GetFiles(Gateway.VideoDirectory) : []);
        using var gone = await Client.GetAsync($"/remix/{id}", Cancellation);
        await gone.AssertProblemAsync(404, "/problems/remix-not-found");
        Assert.Equal(1, Sunra.Files.Downloads);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50, Cancellation);
        }
    }
}
