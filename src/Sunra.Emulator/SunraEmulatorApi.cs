using System.Buffers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sunra.Emulator;

/// <summary>The Sunra queue protocol, served by the emulator under <c>{prefix}/v1</c>.</summary>
public static class SunraEmulatorApi
{
    /// <summary>The one model the emulator serves, as the gateway fronts it.</summary>
    public const string VideoToVideo = "openai/sora-2/video-to-video";

    private const int PromptMaxCodePoints = 5000;

    public static IServiceCollection AddSunraEmulator(this IServiceCollection services, Action<EmulatorOptions>? configure = null)
    {
        var options = services.AddOptions<EmulatorOptions>().BindConfiguration(EmulatorOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<EmulatorOptions>>().Value);
        services.AddSingleton(sp => new RequestLedger(sp.GetRequiredService<EmulatorOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EmulatorScript>();
        services.AddSingleton<CallLog>();
        return services;
    }

    /// <summary>Maps the queue under <c>{prefix}/v1</c> and sample files under <c>{prefix}/files</c>.</summary>
    public static IEndpointRouteBuilder MapSunraEmulator(this IEndpointRouteBuilder app, string prefix = "")
    {
        var root = app.MapGroup(prefix).ExcludeFromDescription().WithMetadata(new EmulatorMount(prefix));
        var queue = root.MapGroup("/v1/queue").AddEndpointFilter(RecordAuthenticateAndFault);

        queue.MapPost("/{**endpointId}", Submit).WithMetadata(new OperationMetadata(SunraOperation.Submit));
        queue.MapGet("/requests/{requestId}/status", Status).WithMetadata(new OperationMetadata(SunraOperation.Status));
        queue.MapGet("/requests/{requestId}/status/stream", StatusStream).WithMetadata(new OperationMetadata(SunraOperation.StatusStream));
        queue.MapGet("/requests/{requestId}", Result).WithMetadata(new OperationMetadata(SunraOperation.Result));
        queue.MapPut("/requests/{requestId}/cancel", Cancel).WithMetadata(new OperationMetadata(SunraOperation.Cancel));
        root.MapGet("/files/{fileName}", File);
        return app;
    }

    private sealed record OperationMetadata(SunraOperation Operation);

    private sealed record EmulatorMount(string Prefix);

    private static async ValueTask<object?> RecordAuthenticateAndFault(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        http.Response.Headers["x-request-id"] = "req_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

        http.Request.EnableBuffering();
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        http.Request.Body.Position = 0;
        var authorization = http.Request.Headers.Authorization.ToString();
        services.GetRequiredService<CallLog>().Add(new RecordedCall(
            http.Request.Method, http.Request.Path + http.Request.QueryString, authorization.Length == 0 ? null : authorization, buffer.ToArray())
        {
            TraceParent = http.Request.Headers["traceparent"].FirstOrDefault(),
        });

        var presented = authorization.StartsWith("Key ", StringComparison.Ordinal) ? authorization["Key ".Length..].Trim() : "";
        var expected = services.GetRequiredService<EmulatorOptions>().ApiKey;
        if (presented.Length == 0)
        {
            return Error(StatusCodes.Status401Unauthorized, "authentication_error", "missing_api_key", "Missing credentials: send 'Authorization: Key <your key>'.");
        }

        if (expected is not null && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
        {
            return Error(StatusCodes.Status401Unauthorized, "authentication_error", "invalid_api_key", "Invalid API key.");
        }

        var operation = http.GetEndpoint()?.Metadata.GetMetadata<OperationMetadata>()?.Operation;
        if (operation is { } op && services.GetRequiredService<EmulatorScript>().Next(op) is { } fault)
        {
            var handled = fault.Process ? await next(context) : null;
            await Task.Delay(fault.Delay, services.GetRequiredService<TimeProvider>(), http.RequestAborted);
            if (fault.Abort)
            {
                http.Abort();
                return Results.Empty;
            }

            if (fault.Process)
            {
                return handled;
            }

            foreach (var (name, value) in fault.Headers)
            {
                http.Response.Headers[name] = value;
            }

            var body = fault.Body?.Replace("{credential}", presented, StringComparison.Ordinal);
            return Results.Content(body, fault.ContentType, Encoding.UTF8, fault.StatusCode);
        }

        return await next(context);
    }

    private static async Task<IResult> Submit(string endpointId, HttpRequest request, RequestLedger queue)
    {
        if (endpointId != VideoToVideo)
        {
            return Error(StatusCodes.Status404NotFound, "not_found_error", "endpoint_not_found", $"Endpoint '{endpointId}' was not found.");
        }

        Dictionary<string, JsonElement>? input;
        try
        {
            input = await JsonSerializer.DeserializeAsync(request.Body, SunraWireJson.Default.DictionaryStringJsonElement, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request_error", "invalid_json", $"The body is not valid JSON: {e.Message}");
        }

        if (input is null)
        {
            return Error(StatusCodes.Status422UnprocessableEntity, "validation_error", "invalid_input", "Input should be an object.");
        }

        var issues = new List<InputIssue>();
        var videoId = ReadString(input, "video_id", minLength: 1, maxLength: null, issues);
        var prompt = ReadString(input, "prompt", minLength: 1, maxLength: PromptMaxCodePoints, issues);
        if (issues.Count > 0)
        {
            var details = JsonSerializer.SerializeToElement(issues.ToArray(), SunraWireJson.Default.InputIssueArray);
            return Error(StatusCodes.Status422UnprocessableEntity, "validation_error", "invalid_input", string.Join("; ", issues.Select(i => $"{i.Loc[^1]}: {i.Msg}")), details);
        }

        var accepted = queue.Submit(endpointId, videoId!, prompt!);
        var urls = UrlsOf(request, accepted.Id);
        return TypedResults.Json(
            new SubmitAnswer(accepted.Id, "IN_QUEUE", queue.QueuePositionOf(accepted), urls.Response, urls.Status, urls.Cancel),
            SunraWireJson.Default.SubmitAnswer);
    }

    private static string? ReadString(Dictionary<string, JsonElement> input, string name, int minLength, int? maxLength, List<InputIssue> issues)
    {
        if (!input.TryGetValue(name, out var value))
        {
            issues.Add(new InputIssue(["body", name], "Field required", "missing"));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            issues.Add(new InputIssue(["body", name], "Input should be a valid string", "string_type"));
            return null;
        }

        var text = value.GetString()!;
        var codePoints = text.EnumerateRunes().Count();
        if (codePoints < minLength)
        {
            issues.Add(new InputIssue(["body", name], $"String should have at least {minLength} character", "string_too_short"));
        }
        else if (codePoints > maxLength)
        {
            issues.Add(new InputIssue(["body", name], $"String should have at most {maxLength} characters", "string_too_long"));
        }

        return text;
    }

    private static IResult Status(string requestId, HttpRequest request, RequestLedger queue, int? logs) =>
        queue.Find(requestId) is { } found
            ? Results.Bytes(RenderStatus(queue, found, logs == 1, UrlsOf(request, requestId).Response), "application/json")
            : UnknownRequest(requestId);

    private static IResult StatusStream(string requestId, HttpRequest request, RequestLedger queue, EmulatorOptions options, TimeProvider clock, int? logs)
    {
        if (queue.Find(requestId) is not { } found)
        {
            return UnknownRequest(requestId);
        }

        var responseUrl = UrlsOf(request, requestId).Response;
        return TypedResults.ServerSentEvents(Changes(request.HttpContext.RequestAborted));

        async IAsyncEnumerable<string> Changes([EnumeratorCancellation] CancellationToken cancellation)
        {
            string? last = null;
            while (true)
            {
                var state = queue.StateOf(found);
                var current = Encoding.UTF8.GetString(RenderStatus(queue, found, logs == 1, responseUrl));
                if (current != last)
                {
                    last = current;
                    yield return current;
                }

                if (state is QueueState.Completed or QueueState.Canceled)
                {
                    yield break;
                }

                await Task.Delay(options.StreamInterval, clock, cancellation);
            }
        }
    }

    private static IResult Result(string requestId, HttpRequest request, RequestLedger queue)
    {
        if (queue.Find(requestId) is not { } found)
        {
            return UnknownRequest(requestId);
        }

        return queue.StateOf(found) switch
        {
            QueueState.Completed when found.Failure is { } failure =>
                Error(StatusCodes.Status422UnprocessableEntity, "generation_error", failure.Code, failure.Message),
            QueueState.Completed => TypedResults.Json(
                new VideoOutput(new SunraFile("video/mp4", found.FileName, SampleVideo.Length, $"{BaseOf(request)}/files/{found.FileName}")),
                SunraWireJson.Default.VideoOutput),
            QueueState.Canceled => Error(StatusCodes.Status400BadRequest, "invalid_request_error", "request_canceled", "The request was canceled."),
            _ => Error(StatusCodes.Status400BadRequest, "invalid_request_error", "request_not_completed", "The request is still in progress."),
        };
    }

    private static IResult Cancel(string requestId, RequestLedger queue)
    {
        if (queue.Find(requestId) is not { } found)
        {
            return UnknownRequest(requestId);
        }

        return queue.TryCancel(found)
            ? TypedResults.Json(new CancelAnswer("CANCELLATION_REQUESTED"), SunraWireJson.Default.CancelAnswer)
            : Error(StatusCodes.Status400BadRequest, "invalid_request_error", "already_completed", "The request has already completed and cannot be canceled.");
    }

    private static IResult File(string fileName, RequestLedger queue) =>
        queue.Find(Path.GetFileNameWithoutExtension(fileName)) is { } request
            && request.FileName == fileName && queue.StateOf(request) == QueueState.Completed && request.Failure is null
            ? TypedResults.File(SampleVideo, "video/mp4", fileName, enableRangeProcessing: true)
            : Results.NotFound();

    internal static byte[] RenderStatus(RequestLedger queue, EmulatedRequest request, bool withLogs, string responseUrl)
    {
        var state = queue.StateOf(request);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", state switch
            {
                QueueState.InQueue => "IN_QUEUE",
                QueueState.InProgress => "IN_PROGRESS",
                QueueState.Completed => "COMPLETED",
                _ => "CANCELED",
            });
            json.WriteString("request_id", request.Id);
            switch (state)
            {
                case QueueState.InQueue:
                    json.WriteNumber("queue_position", queue.QueuePositionOf(request));
                    json.WriteString("response_url", responseUrl);
                    break;
                case QueueState.InProgress:
                    WriteLogs(json, withLogs, $"Remixing {request.VideoId}");
                    json.WriteString("response_url", responseUrl);
                    break;
                case QueueState.Completed:
                    WriteLogs(json, withLogs, $"Remixing {request.VideoId}\nDone");
                    json.WriteStartObject("metrics");
                    json.WriteNumber("inference_time", queue.InferenceTime.TotalSeconds);
                    json.WriteEndObject();
                    json.WriteBoolean("success", request.Failure is null);
                    if (request.Failure is { } failure)
                    {
                        json.WriteStartObject("error");
                        json.WriteString("code", failure.Code);
                        json.WriteString("message", failure.Message);
                        json.WriteString("timestamp", failure.Timestamp);
                        json.WriteEndObject();
                    }
                    else
                    {
                        json.WriteNull("error");
                    }

                    break;
                default:
                    WriteLogs(json, withLogs, "Canceled");
                    break;
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteLogs(Utf8JsonWriter json, bool withLogs, string logs)
    {
        if (withLogs)
        {
            json.WriteString("logs", logs);
        }
        else
        {
            json.WriteNull("logs");
        }
    }

    private static JsonHttpResult<ErrorBody> UnknownRequest(string requestId) =>
        Error(StatusCodes.Status404NotFound, "not_found_error", "request_not_found", $"Request '{requestId}' was not found.");

    private static JsonHttpResult<ErrorBody> Error(int status, string type, string code, string message, JsonElement? details = null) =>
        TypedResults.Json(
            new ErrorBody(new ErrorDetail(type, code, message, details), DateTimeOffset.UtcNow, null),
            SunraWireJson.Default.ErrorBody,
            statusCode: status);

    // The emulator may be mounted under a prefix (the gateway's sandbox does so); its URLs include it.
    private static string BaseOf(HttpRequest request) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EmulatorMount>()?.Prefix}";

    private static (string Response, string Status, string Cancel) UrlsOf(HttpRequest request, string requestId)
    {
        var response = $"{BaseOf(request)}/v1/queue/requests/{requestId}";
        return (response, response + "/status", response + "/cancel");
    }

    private static byte[] SampleVideo => SampleVideoHolder.Bytes;

    private static class SampleVideoHolder
    {
        internal static readonly byte[] Bytes = Load();

        private static byte[] Load()
        {
            using var stream = typeof(SunraEmulatorApi).Assembly.GetManifestResourceStream("Sunra.Emulator.sample.mp4")
                ?? throw new InvalidOperationException("The sample video is not embedded in the emulator.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
