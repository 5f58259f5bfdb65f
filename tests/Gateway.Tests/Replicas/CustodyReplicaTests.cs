using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Replicas;

/// <summary>
/// Custody with real processes: two published replicas on one Redis, their videos in one directory both
/// mount, and one published gateway keeping its videos in Azure Blob Storage (Azurite). A copy is made
/// once, cluster-wide; a replica killed in the middle of one leaves it to the other, which makes it once
/// the lease lapses; a kept video plays, seeks and outlives Sunra's URL.
/// </summary>
[FullTier("redis-server, nginx, Azurite and the published gateway")]
public sealed class CustodyReplicaTests : IAsyncLifetime
{
    private readonly string _videos = Path.Combine(Path.GetTempPath(), "gateway-videos-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly byte[] LinkKey = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];

    private static byte[] Sample => FileHosting.Sample.ToArray();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_videos))
        {
            Directory.Delete(_videos, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_replica_killed_in_the_middle_of_a_copy_leaves_it_to_the_other_which_makes_it_once_the_lease_lapses()
    {
        await using var set = await ReplicaSet.StartAsync(
            2,
            options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(200),
            new Dictionary<string, string?>
            {
                ["Gateway__Custody__Enabled"] = "true",
                ["Gateway__Custody__Directory"] = _videos,
                ["Gateway__Custody__AllowedSourceHosts__0"] = "127.0.0.1",
                ["Gateway__Custody__LeaseSeconds"] = "2",
                ["Gateway__Custody__FirstRetrySeconds"] = "0.2",
            },
            Cancellation);

        // About three and a half seconds to send the sample: time to find the copying replica and kill it.
        set.Sunra.Files.BytesPerSecond = 20_000;
        using var a = set.Client(set.Replicas[0]);
        var id = (await a.SubmitAsync()).GetProperty("request_id").GetString()!;
        await WaitForAsync(async () => (await a.GetAsync($"/remix/{id}", Cancellation)).StatusCode == HttpStatusCode.OK, "The remix did not complete.");
        await WaitForAsync(() => Task.FromResult(set.Sunra.Files.Downloads == 1), "No replica began the copy.");

        var copying = await CopyingReplicaAsync(set);
        var survivor = set.Replicas.Single(replica => replica != copying);
        copying.Kill();

        using var client = set.Client(survivor);
        var video = await KeptVideoAsync(client, id);
        Assert.Equal(2, set.Sunra.Files.Downloads);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Sample)), video.GetProperty("sha256").GetString());
        using var anonymous = new HttpClient();
        Assert.Equal(Sample, await anonymous.GetByteArrayAsync(video.GetProperty("url").GetString(), Cancellation));
        Assert.Equal(Sample, await File.ReadAllBytesAsync(Path.Combine(_videos, id), Cancellation));

        // The killed replica's unfinished file went with the copy that took over.
        Assert.Equal([id], Directory.GetFiles(_videos).Select(Path.GetFileName));

        // Back, the other replica serves the same link: the signing key is in the store, the video in the directory both mount.
        var index = Array.IndexOf(set.Replicas, copying);
        await set.RestartAsync(index, Cancellation);
        var onRestarted = new UriBuilder(video.GetProperty("url").GetString()!) { Port = set.Replicas[index].Port }.Uri;
        Assert.Equal(Sample, await anonymous.GetByteArrayAsync(onRestarted, Cancellation));
        Assert.Equal(2, set.Sunra.Files.Downloads);
    }

    [Fact]
    public async Task A_video_kept_in_Azure_Blob_Storage_plays_and_seeks_through_the_gateway_after_Sunras_URL_is_gone_and_only_through_its_own_link()
    {
        await using var azurite = await AzuriteServer.StartNewAsync(Cancellation);
        await using var sunra = await EmulatorServer.StartAsync(options =>
        {
            options.ApiKey = GatewayFactory.SunraKey;
            options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(100);
        });
        await using var gateway = GatewayProcess.Start(
            [],
            GatewayProcess.EnvironmentFor(
                sunra,
                ("Gateway__Custody__Enabled", "true"),
                ("Gateway__Custody__Storage", "AzureBlob"),
                ("Gateway__Custody__AzureBlob__ConnectionString", azurite.ConnectionString),
                ("Gateway__Custody__AllowedSourceHosts__0", "127.0.0.1"),
                ("Gateway__Custody__LinkKey", Convert.ToBase64String(LinkKey))));
        await gateway.WaitUntilReadyAsync(Cancellation);
        using var client = new HttpClient { BaseAddress = gateway.Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", GatewayFactory.OrdersKey);

        var id = (await client.SubmitAsync()).GetProperty("request_id").GetString()!;
        var video = await KeptVideoAsync(client, id);
        var url = video.GetProperty("url").GetString()!;
        Assert.StartsWith($"{gateway.Address}videos/{id}?", url, StringComparison.Ordinal);

        sunra.Files.Gone = true;
        using var anonymous = new HttpClient();
        Assert.Equal(Sample, await anonymous.GetByteArrayAsync(url, Cancellation));
        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new RangeHeaderValue(60_000, null);
        using var part = await anonymous.SendAsync(range, Cancellation);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(Sample[60_000..], await part.Content.ReadAsByteArrayAsync(Cancellation));
        Assert.Equal($"\"{video.GetProperty("sha256").GetString()}\"", part.Headers.ETag?.Tag);
        Assert.Equal(1, sunra.Files.Downloads);
        Assert.DoesNotContain(AzuriteServer.AccountKey, gateway.Output, StringComparison.Ordinal);

        // The link, changed: another remix's id under its signature, a later expiry; and a link the key signed that has expired.
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(url).Query);
        var expires = long.Parse(query["expires"]!, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var forged in new[] { $"videos/pd_another?expires={expires}&signature={query["signature"]}", $"videos/{id}?expires={expires + 60}&signature={query["signature"]}" })
        {
            using var refused = await anonymous.GetAsync(new Uri(gateway.Address, forged), Cancellation);
            await refused.AssertProblemAsync(403, "/problems/video-link-invalid");
        }

        var past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        using var expired = await anonymous.GetAsync(new Uri(gateway.Address, $"videos/{id}?expires={past}&signature={Sign(id, past)}"), Cancellation);
        await expired.AssertProblemAsync(410, "/problems/video-link-expired");
    }

    // A link as the gateway signs it (VideoLinks), with the key this test gave it.
    private static string Sign(string id, long expires) =>
        Convert.ToBase64String(HMACSHA256.HashData(LinkKey, System.Text.Encoding.UTF8.GetBytes($"{id}\n{expires}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // The replica whose gauge says it is copying, from its own /metrics.
    private static async Task<GatewayProcess> CopyingReplicaAsync(ReplicaSet set)
    {
        using var scraper = new HttpClient();
        foreach (var replica in set.Replicas)
        {
            var metrics = await scraper.GetStringAsync(new Uri(replica.Address, "/metrics"), Cancellation);
            if (metrics.Split('\n').Any(line => line.StartsWith("gateway_custody_copying", StringComparison.Ordinal) && line.TrimEnd().EndsWith(" 1", StringComparison.Ordinal)))
            {
                return replica;
            }
        }

        throw new InvalidOperationException("No replica reports a copy under way.");
    }

    private static async Task<JsonElement> KeptVideoAsync(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var answer = await client.GetAsync($"/remix/{id}", Cancellation);
            if (answer.StatusCode == HttpStatusCode.OK && (await answer.ReadJsonAsync()).GetProperty("video") is var video && video.GetProperty("kept_by_gateway").GetBoolean())
            {
                return video;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Remix {id}'s video was not kept: {answer.StatusCode} {await answer.Content.ReadAsStringAsync(Cancellation)}");
            await Task.Delay(100, Cancellation);
        }
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
