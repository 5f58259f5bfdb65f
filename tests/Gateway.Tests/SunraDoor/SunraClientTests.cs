using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.SunraDoor;

/// <summary>
/// What Sunra's users already have, run unchanged against the published gateway process (in front of
/// the emulator) but for the host and the key: the model card's curl example with the real curl, and
/// the JavaScript client's queue flow in Node (tests/sunra-js, on the libraries that client is built on).
/// </summary>
[FullTier("curl, Node and the published gateway")]
public sealed class SunraClientTests : IAsyncLifetime
{
    // The model card's example, word for word but for the host (the gateway's) and the key (the caller's).
    private const string CardExample = """
        curl --request POST \
          --url {GATEWAY}/v1/queue/openai/sora-2/video-to-video \
          --header "Authorization: Key $GATEWAY_KEY" \
          --header "Content-Type: application/json" \
          --data '{"video_id":"","prompt":""}'
        """;

    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(60);

    private EmulatorServer _sunra = null!;
    private GatewayProcess _gateway = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static string ScriptDirectory => Path.Combine(PublishedGateway.RepositoryRoot, "tests", "sunra-js");

    public async ValueTask InitializeAsync()
    {
        _sunra = await EmulatorServer.StartAsync(options =>
        {
            options.ApiKey = GatewayFactory.SunraKey;
            // Queued long enough that the flow's early result call surely finds it unfinished, however busy the machine.
            options.QueueTime = TimeSpan.FromSeconds(2);
            options.RunTime = TimeSpan.FromMilliseconds(300);
        });
        _gateway = GatewayProcess.Start(
            await PublishedGateway.PathAsync(Cancellation),
            [],
            GatewayProcess.EnvironmentFor(_sunra, ("Sunra__StatusPollIntervalSeconds", "0.1")));
        await _gateway.WaitUntilReadyAsync(Cancellation);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _sunra.DisposeAsync();
    }

    [Fact]
    public async Task The_model_cards_curl_example_runs_as_is_and_its_empty_fields_get_Sunras_400_naming_both()
    {
        var (exit, output, errors) = await RunAsync("bash", ["-c", CardExample.Replace("{GATEWAY}", Gateway, StringComparison.Ordinal)], Caller());

        Assert.True(exit == 0, errors);
        var error = JsonDocument.Parse(output).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(error.GetProperty("details").TryGetProperty("video_id", out _));
        Assert.True(error.GetProperty("details").TryGetProperty("prompt", out _));
        Assert.Equal(0, _sunra.Calls.Count);
    }

    [Fact]
    public async Task The_model_cards_curl_example_with_its_fields_filled_in_buys_one_remix()
    {
        var filled = CardExample
            .Replace("{GATEWAY}", Gateway, StringComparison.Ordinal)
            .Replace("""{"video_id":"","prompt":""}""", """{"video_id":"video_123","prompt":"The same scene at dusk"}""", StringComparison.Ordinal);

        var (exit, output, errors) = await RunAsync("bash", ["-c", filled], Caller());

        Assert.True(exit == 0, errors);
        var submitted = JsonDocument.Parse(output).RootElement;
        var id = submitted.GetProperty("request_id").GetString();
        Assert.Equal($"{Gateway}/v1/queue/requests/{id}/status", submitted.GetProperty("status_url").GetString());
        Assert.Equal(1, _sunra.Requests.Count);
    }

    [Fact]
    public async Task The_JavaScript_clients_queue_flow_works_with_SUNRA_API_ENDPOINT_set_to_the_gateway()
    {
        var flow = await RunFlowAsync(("SUNRA_API_ENDPOINT", $"{Gateway}/v1"));

        var id = flow.GetProperty("submitted").GetProperty("request_id").GetString();
        Assert.Equal($"{Gateway}/v1/queue/requests/{id}/status", flow.GetProperty("submitted").GetProperty("status_url").GetString());
        AssertFlow(flow);
    }

    [Fact]
    public async Task The_JavaScript_clients_queue_flow_works_through_the_proxy_with_proxyUrl_set_to_the_gateway()
    {
        var flow = await RunFlowAsync(("SUNRA_PROXY_URL", $"{Gateway}/api/sunra/proxy"));

        AssertFlow(flow);
        Assert.All(_sunra.Calls.All, call => Assert.Equal($"Key {GatewayFactory.SunraKey}", call.Authorization));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_in_Sunras_shape()
    {
        using var client = new HttpClient { BaseAddress = _gateway.Address }.WithSunraKey(GatewayFactory.OrdersKey);

        using var response = await client.PostAsync(SunraWire.SubmitPath, Http.Json(Http.Remix("v", new string('a', 200_000))), Cancellation);

        await response.AssertSunraErrorAsync((int)HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        Assert.Equal(0, _sunra.Calls.Count);
    }

    private string Gateway => _gateway.Address.ToString().TrimEnd('/');

    private static Dictionary<string, string> Caller() => new() { ["GATEWAY_KEY"] = GatewayFactory.OrdersKey };

    private void AssertFlow(JsonElement flow)
    {
        Assert.Equal("COMPLETED", flow.GetProperty("polled").EnumerateArray().Last().GetString());
        Assert.True(flow.GetProperty("completed").GetProperty("success").GetBoolean());
        Assert.Equal("video/mp4", flow.GetProperty("result").GetProperty("video").GetProperty("content_type").GetString());
        Assert.Equal("COMPLETED", flow.GetProperty("streamed").EnumerateArray().Last().GetString());
        Assert.Equal("video/mp4", flow.GetProperty("streamedResult").GetProperty("video").GetProperty("content_type").GetString());
        AssertSunraError(flow.GetProperty("notYet"), 400, "REQUEST_NOT_COMPLETED");
        AssertSunraError(flow.GetProperty("cancel"), 409, "NOT_CANCELLABLE");
        AssertSunraError(flow.GetProperty("invalid"), 400, "INVALID_REQUEST");
        Assert.Equal(2, _sunra.Requests.Count);
    }

    // What the client's error handler reads: the status, x-request-id and the error's type, code and message.
    private static void AssertSunraError(JsonElement error, int status, string code)
    {
        Assert.Equal(status, error.GetProperty("status").GetInt32());
        Assert.Equal("application/json", error.GetProperty("contentType").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("requestId").GetString()));
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    private static async Task<JsonElement> RunFlowAsync((string Name, string Value) setting)
    {
        Assert.True(
            Directory.Exists(Path.Combine(ScriptDirectory, "node_modules")),
            "tests/sunra-js has no node_modules: run tests/run.sh, or `npm ci` in tests/sunra-js.");
        var environment = new Dictionary<string, string>
        {
            ["SUNRA_KEY"] = GatewayFactory.OrdersKey,
            ["POLL_INTERVAL_MS"] = "100",
            [setting.Name] = setting.Value,
        };

        var (exit, output, errors) = await RunAsync("node", ["sunra-flow.mjs"], environment);

        Assert.True(exit == 0, $"node sunra-flow.mjs exited {exit}:\n{errors}\n{output}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The clients read these; none may leak in from the machine running the tests.
        foreach (var name in new[] { "SUNRA_KEY", "SUNRA_API_ENDPOINT", "SUNRA_PROXY_URL", "SUNRA_HOST" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Cancellation);
        var errors = process.StandardError.ReadToEndAsync(Cancellation);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(ClientTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {ClientTimeout}:\n{await errors}");
        }

        return (process.ExitCode, await output, await errors);
    }
}
