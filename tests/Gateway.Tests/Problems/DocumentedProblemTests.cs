using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Problems;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sunra.Emulator;

namespace Gateway.Tests.Problems;

/// <summary>The gateway's three doors, as the OpenAPI document groups its routes.</summary>
public enum Door
{
    /// <summary><c>/remix</c>: RFC 9457 problems as <c>application/problem+json</c>.</summary>
    Remix,

    /// <summary><c>/v1/queue/...</c>: Sunra's error body as <c>application/json</c>.</summary>
    V1,

    /// <summary><c>/api/sunra/proxy</c>: the same, reached through Sunra's client proxy protocol.</summary>
    Proxy,

    /// <summary><c>/videos/{request_id}</c>: kept videos through their signed links; RFC 9457 problems, as on <c>/remix</c>.</summary>
    Videos,
}

/// <summary>
/// Every problem the OpenAPI document shows is one the gateway really gives, and looks as shown: each
/// is brought about for real (the emulator over loopback, the gateway in the test host, Redis for the
/// one that needs two replicas) on every door that documents it, and the answer is held to the
/// example of its route and status. A problem documented without a way to bring it about here fails,
/// and so does one brought about where the document does not show it.
/// </summary>
public sealed class DocumentedProblemTests(DocumentedProblemTests.Document document, SharedRedis redis) : IClassFixture<DocumentedProblemTests.Document>
{
    private static readonly Door[] AllDoors = [Door.Remix, Door.V1, Door.Proxy];
    private static readonly Door[] SunraDoors = [Door.V1, Door.Proxy];

    private static readonly Setup Plain = new();

    // A remix that stays queued, and one that is over at once.
    private static readonly Setup LongQueue = new() { Emulator = options => options.QueueTime = TimeSpan.FromMinutes(10) };
    private static readonly Setup QuickGeneration = new() { Emulator = options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(20) };

    // Links signed with a key the test knows, as the gateway signs them (VideoLinks).
    private static readonly byte[] LinkKey = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly Setup SignedLinks = new() { Settings = new() { ["Gateway:Custody:LinkKey"] = Convert.ToBase64String(LinkKey) } };

    // Videos kept in an Azure Blob Storage where nothing listens: the SDK gives up within a second.
    private static readonly Setup UnreachableStorage = QuickGeneration with
    {
        Settings = new()
        {
            ["Gateway:Custody:LinkKey"] = Convert.ToBase64String(LinkKey),
            ["Gateway:Custody:Storage"] = "AzureBlob",
            ["Gateway:Custody:AzureBlob:ConnectionString"] =
                $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:{GatewayProcess.FreePort()}/devstoreaccount1;",
        },
    };

    /// <summary>How each problem type is brought about, and on which doors: one entry per type the document shows.</summary>
    private static readonly Dictionary<ProblemType, Trigger> Triggers = new()
    {
        [ProblemCatalog.InvalidRequest] = new(Plain, AllDoors, async (stage, door) => door == Door.Proxy
            ? [await stage.SendAsync(Submit(door, Http.Json("{}")))]
            : [await stage.SendAsync(Submit(door, Http.Json("{}"))), await stage.SendAsync(Status(door, "a.b"))]),

        [ProblemCatalog.UnsupportedMediaType] = new(Plain, AllDoors, async (stage, door) =>
            [await stage.SendAsync(Submit(door, new StringContent("video_123 make it rain")))]),

        [ProblemCatalog.Unauthenticated] = new(Plain, AllDoors, async (stage, door) =>
            [await stage.SendAsync(Submit(door, Remix()), key: null)]),

        [ProblemCatalog.RemixNotFound] = new(Plain, AllDoors, async (stage, door) =>
            [await stage.SendAsync(Status(door, "pd_nobody"))]),

        // The test host reads bodies of any size: Kestrel is what enforces the limit.
        [ProblemCatalog.PayloadTooLarge] = new(new() { Kestrel = true }, AllDoors, async (stage, door) =>
            [await stage.SendAsync(Submit(door, Http.Json(Http.Remix("video_123", new string('a', 200_000)))))]),

        [ProblemCatalog.RateLimited] = new(
            new() { StandingClock = true, Settings = new() { ["Gateway:Clients:orders:SubmitsPerMinute"] = "1" } },
            AllDoors,
            async (stage, door) => [await stage.SendOnceSpentAsync(() => Submit(door, Remix()))]),

        [ProblemCatalog.QuotaExhausted] = new(
            new() { StandingClock = true, Settings = new() { ["Gateway:Clients:orders:DailySubmitQuota"] = "1" } },
            AllDoors,
            async (stage, door) => [await stage.SendOnceSpentAsync(() => Submit(door, Remix()))]),

        // The account's one submit a minute is spent, and a submit may not wait for the next.
        [ProblemCatalog.AccountBudgetSpent] = new(
            new() { StandingClock = true, Settings = new() { ["Sunra:Limits:SubmitsPerMinute"] = "1", ["Sunra:Limits:SubmitWaitSeconds"] = "0" } },
            AllDoors,
            async (stage, door) => [await stage.SendOnceSpentAsync(() => Submit(door, Remix()))]),

        [ProblemCatalog.RemixCanceled] = new(LongQueue, AllDoors, async (stage, door) =>
        {
            var id = await stage.SubmitAsync();
            using (var cancel = await stage.SendAsync(Cancel(Door.Remix, id)))
            {
                Assert.Equal(HttpStatusCode.Accepted, cancel.Response.StatusCode);
            }

            await stage.WaitForStatusAsync(id, "CANCELED");
            return [await stage.SendAsync(Result(door, id))];
        }),

        [ProblemCatalog.NotCancellable] = new(QuickGeneration, AllDoors, async (stage, door) =>
        {
            var id = await stage.SubmitAsync();
            await stage.WaitForStatusAsync(id, "COMPLETED");
            return [await stage.SendAsync(Cancel(door, id))];
        }),

        [ProblemCatalog.RemixRunning] = new(LongQueue, [Door.Remix], async (stage, door) =>
            [await stage.SendAsync(Delete(door, await stage.SubmitAsync()))]),

        [ProblemCatalog.GenerationFailed] = new(QuickGeneration, [Door.Remix], async (stage, door) =>
            [await stage.SendAsync(Result(door, await stage.FailedGenerationAsync()))]),

        [ProblemCatalog.PredictionFailed] = new(QuickGeneration, SunraDoors, async (stage, door) =>
            [await stage.SendAsync(Result(door, await stage.FailedGenerationAsync()))]),

        [ProblemCatalog.UpstreamRejectedInput] = new(Plain, AllDoors, async (stage, door) =>
        {
            stage.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(422, """{"detail":"video_id: no such video"}"""));
            return [await stage.SendAsync(Submit(door, Remix()))];
        }),

        // The account's key is rotated at Sunra after a remix was bought, and the gateway still sends the old one.
        [ProblemCatalog.UpstreamCredentials] = new(Plain, AllDoors, async (stage, door) =>
        {
            var id = await stage.SubmitAsync();
            stage.SunraOptions.ApiKey = "sk_rotated_00000000000000000000000000";
            try
            {
                return [await stage.SendAsync(Submit(door, Remix())), await stage.SendAsync(Status(door, id))];
            }
            finally
            {
                stage.SunraOptions.ApiKey = GatewayFactory.SunraKey;
            }
        }),

        [ProblemCatalog.UpstreamError] = new(Plain, AllDoors, async (stage, door) =>
        {
            stage.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(500, """{"detail":"internal error"}"""));
            return [await stage.SendAsync(Submit(door, Remix()))];
        }),

        [ProblemCatalog.UpstreamUnreachable] = new(Plain, AllDoors, async (stage, door) =>
        {
            stage.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(500) { Abort = true });
            return [await stage.SendAsync(Submit(door, Remix()))];
        }),

        // A wait over two seconds is passed on to the caller, not waited out.
        [ProblemCatalog.UpstreamThrottled] = new(Plain, AllDoors, async (stage, door) =>
        {
            stage.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(429, """{"detail":"slow down"}""") { Headers = new Dictionary<string, string> { ["Retry-After"] = "30" } });
            return [await stage.SendAsync(Submit(door, Remix()))];
        }),

        [ProblemCatalog.UpstreamTimeout] = new(new() { Settings = new() { ["Sunra:TimeoutSeconds"] = "1" } }, AllDoors, async (stage, door) =>
        {
            stage.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(500) { Delay = TimeSpan.FromSeconds(3) });
            return [await stage.SendAsync(Submit(door, Remix()))];
        }),

        [ProblemCatalog.UpstreamUnavailable] = new(new() { Settings = new() { ["Sunra:CircuitBreakSeconds"] = "60" } }, AllDoors, async (stage, door) =>
        {
            await stage.OpenCircuitAsync();
            return [await stage.SendAsync(Submit(door, Remix()))];
        }),

        // A well-signed link to a video the store cannot be asked about: never answered as one the gateway does not keep.
        [ProblemCatalog.StateUnavailable] = new(SignedLinks with { UnreachableStateStore = true }, [.. AllDoors, Door.Videos], async (stage, door) =>
            [await stage.SendAsync(door == Door.Videos ? Video("pd_unread", 4_102_444_800) : Submit(door, Remix()))]),

        [ProblemCatalog.VideoLinkInvalid] = new(SignedLinks, [Door.Videos], async (stage, door) =>
            [await stage.SendAsync(Video("pd_nobody", 4_102_444_800, new string('A', 43))), await stage.SendAsync(Video("pd_nobody", 4_102_444_800, null))]),

        [ProblemCatalog.VideoLinkExpired] = new(SignedLinks, [Door.Videos], async (stage, door) =>
            [await stage.SendAsync(Video("pd_nobody", 1_000_000_000))]),

        [ProblemCatalog.VideoNotKept] = new(SignedLinks, [Door.Videos], async (stage, door) =>
            [await stage.SendAsync(Video("pd_nobody", 4_102_444_800))]),

        // A delete removes the kept video first; a kept video is read from the storage.
        [ProblemCatalog.StorageUnavailable] = new(UnreachableStorage, [Door.Remix, Door.Videos], async (stage, door) =>
        {
            if (door == Door.Remix)
            {
                var id = await stage.SubmitAsync();
                await stage.WaitForStatusAsync(id, "COMPLETED");
                return [await stage.SendAsync(Delete(door, id))];
            }

            await stage.Gateway.Services.GetRequiredService<global::Gateway.State.IStateStore>().SetAsync(
                "result:pd_kept",
                """{"video":{"content_type":"video/mp4","file_name":"pd_kept.mp4","file_size":3,"url":"https://assets.sunra.ai/pd_kept.mp4"},"kept":{"name":"pd_kept","content_type":"video/mp4","size":3,"sha256":"00","kept_at":"2026-12-02T09:00:00Z"}}""",
                TimeSpan.FromMinutes(5));
            return [await stage.SendAsync(Video("pd_kept", 4_102_444_800))];
        }),

        [ProblemCatalog.IdempotencyKeyReused] = new(Plain, AllDoors, async (stage, door) =>
        {
            var key = $"reused-{door}";
            using (var first = await stage.SendAsync(Submit(door, Remix("the first prompt")), idempotencyKey: key))
            {
                Assert.True(first.Response.IsSuccessStatusCode, $"The first submit with the key was answered {first.Response.StatusCode}.");
            }

            return [await stage.SendAsync(Submit(door, Remix("another prompt")), idempotencyKey: key)];
        }),

        // Sunra takes the remix and the connection drops before its answer: a repeat cannot be told what was bought.
        [ProblemCatalog.IdempotencyOutcomeUnknown] = new(Plain, AllDoors, async (stage, door) =>
        {
            var key = $"lost-{door}";
            stage.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Abort = true });
            using (var lost = await stage.SendAsync(Submit(door, Remix()), idempotencyKey: key))
            {
                Assert.Equal(HttpStatusCode.BadGateway, lost.Response.StatusCode);
            }

            return [await stage.SendAsync(Submit(door, Remix()), idempotencyKey: key)];
        }),

        // One replica claims the key, then its link to Redis stalls at its next command (the daily quota,
        // taken between the claim and marking the submit as sent). Its lease runs out meanwhile (the
        // replicas' clock moves past Sunra:TimeoutSeconds and the time for records), so the other replica
        // takes the key over and buys the remix; when the first one's link comes back, the key is no
        // longer its own and it submits nothing.
        [ProblemCatalog.IdempotencyKeyInUse] = new(new() { TwoReplicasOnRedis = true }, AllDoors, async (stage, door) =>
        {
            var key = $"taken-over-{door}";
            var bought = stage.Sunra.Requests.Count;
            var hold = stage.Relay!.HoldAt("window:quota:");
            var stalled = stage.SendAsync(Submit(door, Remix()), idempotencyKey: key);
            await hold.Reached.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);

            stage.Clock!.Advance(TimeSpan.FromMinutes(5));
            using (var takeover = await stage.SendAsync(Submit(Door.Remix, Remix()), idempotencyKey: key, client: stage.OtherReplica))
            {
                Assert.Equal(HttpStatusCode.Accepted, takeover.Response.StatusCode);
            }

            hold.Release();
            var answer = await stalled;
            Assert.Equal(bought + 1, stage.Sunra.Requests.Count);
            return [answer];
        }),

        [ProblemCatalog.EndpointNotFound] = new(Plain, [Door.Proxy], async (stage, door) =>
            [await stage.SendAsync(Proxied(HttpMethod.Post, SunraWire.SunraQueue + "openai/sora-2/text-to-video", Remix()))]),

        [ProblemCatalog.RequestNotCompleted] = new(LongQueue, SunraDoors, async (stage, door) =>
            [await stage.SendAsync(Result(door, await stage.SubmitAsync()))]),

        [ProblemCatalog.ProxyTargetRefused] = new(Plain, [Door.Proxy], async (stage, door) =>
            [await stage.SendAsync(Proxied(HttpMethod.Post, "https://evil.example/v1/queue/openai/sora-2/video-to-video", Remix()))]),
    };

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>Every type but the one that needs two replicas on a real Redis, which the full tier brings about.</summary>
    public static TheoryData<string> ProblemTypes => [.. ProblemCatalog.All.Where(type => type != ProblemCatalog.IdempotencyKeyInUse).Select(type => type.Name)];

    [Fact]
    [FullTier("redis-server")]
    public Task An_Idempotency_Key_taken_over_while_its_request_waited_is_answered_on_every_door_as_the_document_shows_it() =>
        A_problem_is_answered_on_every_door_that_documents_it_and_as_the_document_shows_it(ProblemCatalog.IdempotencyKeyInUse.Name);

    [Theory]
    [MemberData(nameof(ProblemTypes))]
    public async Task A_problem_is_answered_on_every_door_that_documents_it_and_as_the_document_shows_it(string name)
    {
        var type = ProblemCatalog.All.Single(type => type.Name == name);
        var documented = document.DoorsOf(type);
        if (!Triggers.TryGetValue(type, out var trigger))
        {
            Assert.True(documented.Count == 0, $"{name} is documented on {string.Join(", ", documented)}, but no test brings it about.");
            return;
        }

        var triggered = new SortedSet<Door>();
        await using var stage = await Stage.StartAsync(trigger.Setup, redis);
        foreach (var door in trigger.Doors)
        {
            foreach (var answer in await trigger.Run(stage, door))
            {
                using (answer)
                {
                    await document.AssertAnsweredAsShownAsync(answer, type);
                }

                triggered.Add(door);
            }
        }

        Assert.Equal(documented, triggered);
    }

    [Fact]
    public void The_problems_brought_about_are_exactly_the_problems_documented_door_by_door()
    {
        var documented = document.Problems.Select(problem => $"{problem.Door} {problem.Type.Name}").ToHashSet();
        var triggered = Triggers.SelectMany(trigger => trigger.Value.Doors.Select(door => $"{door} {trigger.Key.Name}")).ToHashSet();

        var untriggered = documented.Except(triggered).Order(StringComparer.Ordinal).ToList();
        var undocumented = triggered.Except(documented).Order(StringComparer.Ordinal).ToList();
        Assert.True(untriggered.Count == 0, $"Documented, but brought about by no test: {string.Join("; ", untriggered)}");
        Assert.True(undocumented.Count == 0, $"Brought about, but not documented: {string.Join("; ", undocumented)}");
    }

    private static HttpContent Remix(string prompt = "make it rain") => Http.Json(Http.Remix("video_123", prompt));

    private static Call Submit(Door door, HttpContent body) => door switch
    {
        Door.Remix => new(door, "/remix", HttpMethod.Post, "/remix", body),
        Door.V1 => new(door, SunraWire.SubmitPath, HttpMethod.Post, SunraWire.SubmitPath, body),
        _ => Proxied(HttpMethod.Post, SunraWire.SunraQueue + "openai/sora-2/video-to-video", body),
    };

    private static Call Status(Door door, string id) => door switch
    {
        Door.Remix => new(door, "/remix/{request_id}/status", HttpMethod.Get, $"/remix/{id}/status"),
        Door.V1 => new(door, "/v1/queue/requests/{request_id}/status", HttpMethod.Get, $"/v1/queue/requests/{id}/status"),
        _ => Proxied(HttpMethod.Get, $"{SunraWire.SunraQueue}requests/{id}/status"),
    };

    private static Call Result(Door door, string id) => door switch
    {
        Door.Remix => new(door, "/remix/{request_id}", HttpMethod.Get, $"/remix/{id}"),
        Door.V1 => new(door, "/v1/queue/requests/{request_id}", HttpMethod.Get, $"/v1/queue/requests/{id}"),
        _ => Proxied(HttpMethod.Get, $"{SunraWire.SunraQueue}requests/{id}"),
    };

    private static Call Cancel(Door door, string id) => door switch
    {
        Door.Remix => new(door, "/remix/{request_id}/cancel", HttpMethod.Post, $"/remix/{id}/cancel"),
        Door.V1 => new(door, "/v1/queue/requests/{request_id}/cancel", HttpMethod.Put, $"/v1/queue/requests/{id}/cancel"),
        _ => Proxied(HttpMethod.Put, $"{SunraWire.SunraQueue}requests/{id}/cancel"),
    };

    private static Call Delete(Door door, string id) => new(door, "/remix/{request_id}", HttpMethod.Delete, $"/remix/{id}");

    /// <summary>A kept video's link, signed with <see cref="LinkKey"/> unless a <paramref name="signature"/> is given.</summary>
    private static Call Video(string id, long expires, string? signature = "")
    {
        if (signature == "")
        {
            signature = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(LinkKey, System.Text.Encoding.UTF8.GetBytes($"{id}\n{expires}")))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        var query = signature is null ? $"?expires={expires}" : $"?expires={expires}&signature={signature}";
        return new(Door.Videos, "/videos/{request_id}", HttpMethod.Get, $"/videos/{id}{query}");
    }

    private static Call Proxied(HttpMethod method, string target, HttpContent? body = null) =>
        new(Door.Proxy, SunraWire.ProxyPath, method, SunraWire.ProxyPath, body) { Target = target };

    /// <summary>What a test needs of the gateway and of Sunra to bring a problem about.</summary>
    private sealed record Setup
    {
        public Action<EmulatorOptions>? Emulator { get; init; }

        public Dictionary<string, string?> Settings { get; init; } = [];

        /// <summary>The gateway's clock stands at 12:00:20 UTC, so no limit's window turns during the test.</summary>
        public bool StandingClock { get; init; }

        /// <summary>The gateway on Kestrel, on a loopback port, instead of the test host's in-memory server.</summary>
        public bool Kestrel { get; init; }

        /// <summary>The state store is a Redis on a loopback port where nothing listens.</summary>
        public bool UnreachableStateStore { get; init; }

        /// <summary>Two replicas sharing a real Redis and a standing clock; the first reaches Redis through a <see cref="RedisRelay"/>.</summary>
        public bool TwoReplicasOnRedis { get; init; }
    }

    /// <summary>How to bring a problem about on a door: the answers it gets, each of which must be that problem.</summary>
    private sealed record Trigger(Setup Setup, Door[] Doors, Func<Stage, Door, Task<Answer[]>> Run);

    /// <summary>A call on a door, with the route the document describes it under.</summary>
    private sealed record Call(Door Door, string Route, HttpMethod Method, string Url, HttpContent? Body = null)
    {
        /// <summary>For the proxy: the Sunra URL in <c>X-Sunra-Target-Url</c>.</summary>
        public string? Target { get; init; }
    }

    /// <summary>An answer, with the door and the documented route (path template and method) that gave it.</summary>
    public sealed record Answer(Door Door, string Route, string Method, HttpResponseMessage Response) : IDisposable
    {
        public void Dispose() => Response.Dispose();
    }

    /// <summary>A problem the document shows: where, as which status, and its example.</summary>
    public sealed record DocumentedProblem(Door Door, string Route, string Method, int Status, ProblemType Type, JsonElement Example, bool ExampleSaysRetryAfter, bool ResponseListsRetryAfter);

    /// <summary>The doors that answer RFC 9457 problems; the Sunra doors answer Sunra's error body.</summary>
    private static bool IsProblemJson(Door door) => door is Door.Remix or Door.Videos;

    /// <summary>The OpenAPI document, read once, and every problem it shows, found in it as a caller would.</summary>
    public sealed class Document : IAsyncLifetime
    {
        private const string ProblemJson = "application/problem+json";
        private const string Json = "application/json";

        public IReadOnlyList<DocumentedProblem> Problems { get; private set; } = [];

        public SortedSet<Door> DoorsOf(ProblemType type) => [.. Problems.Where(problem => problem.Type == type).Select(problem => problem.Door)];

        public async ValueTask InitializeAsync()
        {
            await using var sunra = await EmulatorServer.StartAsync(options => options.ApiKey = GatewayFactory.SunraKey);
            await using var gateway = new GatewayFactory(sunra);
            using var client = gateway.CreateClient();
            using var response = await client.GetAsync("/openapi/v1.json", Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Problems = [.. ProblemsIn((await response.ReadJsonAsync()).GetProperty("paths"))];
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        /// <summary>
        /// The answer is the documented example of its route and status for this problem: on /remix the same
        /// type, title, status and members (the detail may name the occurrence); on the Sunra doors the same
        /// error type and code and the same members of the body and of its error; and a Retry-After exactly
        /// when the example says one comes with it.
        /// </summary>
        public async Task AssertAnsweredAsShownAsync(Answer answer, ProblemType expected)
        {
            var response = answer.Response;
            var status = (int)response.StatusCode;
            var body = await response.ReadJsonAsync();
            var where = $"{answer.Method.ToUpperInvariant()} {answer.Route} on door {answer.Door}, answered {status} {response.Content.Headers.ContentType?.MediaType} {body}";
            var answered = IsProblemJson(answer.Door)
                ? body.TryGetProperty("type", out var type) ? type.GetString() : null
                : body.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var code) ? code.GetString() : null;
            Assert.True(answered == (IsProblemJson(answer.Door) ? expected.Uri : expected.Code), $"Expected {expected.Name} from {where}");

            var documented = Problems.SingleOrDefault(problem =>
                problem.Route == answer.Route && problem.Method == answer.Method && problem.Status == status && problem.Type == expected);
            Assert.True(documented is not null, $"{expected.Name} is not documented as {status} for {where}");
            var example = documented.Example;

            if (IsProblemJson(answer.Door))
            {
                Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(example.GetProperty("title").GetString(), body.GetProperty("title").GetString());
                Assert.Equal(example.GetProperty("status").GetInt32(), body.GetProperty("status").GetInt32());
                Assert.Equal(status, body.GetProperty("status").GetInt32());
                Assert.True(Names(example) == Names(body), $"The example has the members {Names(example)}; {where}");
            }
            else
            {
                Assert.Equal(Json, response.Content.Headers.ContentType?.MediaType);
                var shownError = example.GetProperty("error");
                var givenError = body.GetProperty("error");
                Assert.Equal(shownError.GetProperty("type").GetString(), givenError.GetProperty("type").GetString());
                Assert.True(Names(example) == Names(body), $"The example has the members {Names(example)}; {where}");
                Assert.True(Names(shownError) == Names(givenError), $"The example's error has the members {Names(shownError)}; {where}");
            }

            Assert.True(
                documented.ExampleSaysRetryAfter == response.Headers.Contains("Retry-After"),
                $"The example {(documented.ExampleSaysRetryAfter ? "says" : "does not say")} a Retry-After comes with it; {where}, with the headers {response.Headers}");
            Assert.True(!documented.ExampleSaysRetryAfter || documented.ResponseListsRetryAfter, $"The example says a Retry-After comes with it, but the response does not list the header: {where}");
        }

        private static string Names(JsonElement body) => string.Join(", ", body.EnumerateObject().Select(member => member.Name).Order(StringComparer.Ordinal));

        // For /remix, each example of application/problem+json; for the Sunra doors, each example of an
        // error status's application/json whose value has error.code.
        private static IEnumerable<DocumentedProblem> ProblemsIn(JsonElement paths)
        {
            foreach (var path in paths.EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject().Where(operation => operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("responses", out _)))
                {
                    foreach (var response in operation.Value.GetProperty("responses").EnumerateObject())
                    {
                        if (!response.Value.TryGetProperty("content", out var content))
                        {
                            continue;
                        }

                        var status = int.Parse(response.Name, CultureInfo.InvariantCulture);
                        var listsRetryAfter = response.Value.TryGetProperty("headers", out var headers) && headers.TryGetProperty("Retry-After", out _);
                        foreach (var (mediaType, example) in ExamplesOf(content))
                        {
                            var value = example.GetProperty("value");
                            var type = mediaType == ProblemJson
                                ? value.TryGetProperty("type", out var uri) ? Catalogued(path.Name, t => t.Uri == uri.GetString()) : null
                                : status >= 400 && value.ValueKind == JsonValueKind.Object && value.TryGetProperty("error", out var error)
                                    && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var code)
                                    ? Catalogued(path.Name, t => t.Code == code.GetString())
                                    : null;
                            if (type is null)
                            {
                                continue;
                            }

                            var door = DoorOf(path.Name);
                            if (door is null || IsProblemJson(door.Value) != (mediaType == ProblemJson))
                            {
                                throw new InvalidOperationException($"{path.Name} documents {type.Name} as {mediaType}, which no door of the gateway answers with there.");
                            }

                            var saysRetryAfter = example.TryGetProperty("description", out var description)
                                && description.GetString()?.Contains("Retry-After", StringComparison.Ordinal) is true;
                            yield return new DocumentedProblem(door.Value, path.Name, operation.Name, status, type, value, saysRetryAfter, listsRetryAfter);
                        }
                    }
                }
            }
        }

        private static IEnumerable<(string MediaType, JsonElement Example)> ExamplesOf(JsonElement content) =>
            content.EnumerateObject()
                .Where(media => media.Name is ProblemJson or Json && media.Value.TryGetProperty("examples", out _))
                .SelectMany(media => media.Value.GetProperty("examples").EnumerateObject().Select(example => (media.Name, example.Value)));

        private static ProblemType Catalogued(string path, Func<ProblemType, bool> match) =>
            ProblemCatalog.All.SingleOrDefault(match) ?? throw new InvalidOperationException($"{path} documents a problem that is not in the catalog.");

        private static Door? DoorOf(string path) =>
            path == "/remix" || path.StartsWith("/remix/", StringComparison.Ordinal) ? Door.Remix
            : path.StartsWith("/v1/", StringComparison.Ordinal) ? Door.V1
            : path == SunraWire.ProxyPath ? Door.Proxy
            : path.StartsWith("/videos/", StringComparison.Ordinal) ? Door.Videos
            : null;
    }

    /// <summary>The emulator and the gateway (or two replicas) one problem is brought about on.</summary>
    private sealed class Stage : IAsyncDisposable
    {
        private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

        private readonly Func<EmulatorOptions?> _sunraOptions;

        private Stage(EmulatorServer sunra, Func<EmulatorOptions?> sunraOptions, GatewayFactory gateway)
        {
            Sunra = sunra;
            _sunraOptions = sunraOptions;
            Gateway = gateway;
            Client = gateway.CreateClient();
        }

        public EmulatorServer Sunra { get; }

        /// <summary>The options the running emulator reads on each call, such as the key it accepts (made when it first needs them).</summary>
        public EmulatorOptions SunraOptions => _sunraOptions() ?? throw new InvalidOperationException("The emulator has not made its options yet.");

        public GatewayFactory Gateway { get; }

        public HttpClient Client { get; }

        public FakeTimeProvider? Clock { get; private init; }

        /// <summary>With <see cref="Setup.TwoReplicasOnRedis"/>: the second replica's client, and the first's link to Redis.</summary>
        public HttpClient? OtherReplica { get; private init; }

        public RedisRelay? Relay { get; private init; }

        private GatewayFactory? Other { get; init; }

        public static async Task<Stage> StartAsync(Setup setup, SharedRedis redis)
        {
            EmulatorOptions? sunraOptions = null;
            var sunra = await EmulatorServer.StartAsync(options =>
            {
                options.ApiKey = GatewayFactory.SunraKey;
                setup.Emulator?.Invoke(options);
                sunraOptions = options;
            });
            var settings = new Dictionary<string, string?>(setup.Settings);
            var clock = setup.StandingClock || setup.TwoReplicasOnRedis ? new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 20, TimeSpan.Zero)) : null;
            if (setup.UnreachableStateStore)
            {
                settings["ConnectionStrings:Redis"] = $"127.0.0.1:{GatewayProcess.FreePort()},connectTimeout=200";
            }

            if (!setup.TwoReplicasOnRedis)
            {
                var gateway = new GatewayFactory(sunra, settings, clock);
                if (setup.Kestrel)
                {
                    gateway.UseKestrel(0);
                    gateway.StartServer();
                }

                return new Stage(sunra, () => sunraOptions, gateway) { Clock = clock };
            }

            var shared = redis.GatewaySettings();
            var relay = RedisRelay.To(redis.ConnectionString);
            var first = new GatewayFactory(sunra, new Dictionary<string, string?>(settings.Concat(shared)) { ["ConnectionStrings:Redis"] = relay.ConnectionString }, clock);
            var second = new GatewayFactory(sunra, new Dictionary<string, string?>(settings.Concat(shared)), clock);
            return new Stage(sunra, () => sunraOptions, first) { Clock = clock, Relay = relay, Other = second, OtherReplica = second.CreateClient() };
        }

        /// <summary>Sends the call as the caller "orders" (or no one), with its key where the door's clients put it.</summary>
        public async Task<Answer> SendAsync(Call call, string? key = GatewayFactory.OrdersKey, string? idempotencyKey = null, HttpClient? client = null)
        {
            using var request = new HttpRequestMessage(call.Method, call.Url) { Content = call.Body };
            if (call.Target is { } target)
            {
                request.Headers.TryAddWithoutValidation("X-Sunra-Target-Url", target);
            }

            if (key is not null && call.Door == Door.Remix)
            {
                request.Headers.Add("X-Api-Key", key);
            }
            else if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Key", key);
            }

            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }

            var response = await (client ?? Client).SendAsync(request, Cancellation);
            return new Answer(call.Door, call.Route, call.Method.Method.ToLowerInvariant(), response);
        }

        /// <summary>Sends the call; if it got through, the caller had not spent its limit yet, and now has: sends it again.</summary>
        public async Task<Answer> SendOnceSpentAsync(Func<Call> call)
        {
            var answer = await SendAsync(call());
            if (!answer.Response.IsSuccessStatusCode)
            {
                return answer;
            }

            answer.Dispose();
            return await SendAsync(call());
        }

        /// <summary>Submits a remix through /remix and answers its request_id.</summary>
        public async Task<string> SubmitAsync()
        {
            using var answer = await SendAsync(Submit(Door.Remix, Remix()));
            Assert.Equal(HttpStatusCode.Accepted, answer.Response.StatusCode);
            return (await answer.Response.ReadJsonAsync()).GetProperty("request_id").GetString()!;
        }

        /// <summary>A remix that Sunra completed without a video.</summary>
        public async Task<string> FailedGenerationAsync()
        {
            Sunra.Requests.FailNextGeneration("content_policy_violation", "The prompt was flagged by the content policy.");
            var id = await SubmitAsync();
            await WaitForStatusAsync(id, "COMPLETED");
            return id;
        }

        public async Task WaitForStatusAsync(string id, string state)
        {
            var deadline = DateTime.UtcNow + LongestWait;
            while (true)
            {
                using (var answer = await SendAsync(Status(Door.Remix, id)))
                {
                    Assert.Equal(HttpStatusCode.OK, answer.Response.StatusCode);
                    if ((await answer.Response.ReadJsonAsync()).GetProperty("status").GetString() == state)
                    {
                        return;
                    }
                }

                Assert.True(DateTime.UtcNow < deadline, $"Remix {id} was not {state} within {LongestWait}.");
                await Task.Delay(25, Cancellation);
            }
        }

        /// <summary>Fails submits until the circuit breaker opens (half of at least 10 calls within 30 seconds failed).</summary>
        public async Task OpenCircuitAsync()
        {
            for (var attempt = 0; attempt < 30; attempt++)
            {
                Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(500, """{"detail":"internal error"}"""));
                using var answer = await SendAsync(Submit(Door.Remix, Remix()));
                if (answer.Response.StatusCode == HttpStatusCode.ServiceUnavailable
                    && (await answer.Response.ReadJsonAsync()).GetProperty("type").GetString() == ProblemCatalog.UpstreamUnavailable.Uri)
                {
                    Sunra.Script.Clear();
                    return;
                }
            }

            Assert.Fail("The circuit did not open after 30 failed submits.");
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            OtherReplica?.Dispose();
            await Gateway.DisposeAsync();
            if (Other is not null)
            {
                await Other.DisposeAsync();
            }

            if (Relay is not null)
            {
                await Relay.DisposeAsync();
            }

            await Sunra.DisposeAsync();
        }
    }
}
