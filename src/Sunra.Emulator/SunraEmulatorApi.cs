using System.Buffers;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sunra.Protocol;

namespace Sunra.Emulator;

/// <summary>
/// The Sunra queue protocol, served by the emulator under <c>{prefix}/v1</c>. Its answers and errors
/// are Sunra.Protocol's, so that it says what the gateway's own <c>/v1</c> door says.
/// </summary>
public static class SunraEmulatorApi
{
    /// <summary>The one model the emulator serves, as the gateway fronts it.</summary>
    public const string VideoToVideo = SunraEndpoints.VideoToVideo;

    private const int PromptMaxCodePoints = 5000;

    public static IServiceCollection AddSunraEmulator(this IServiceCollection services, Action<EmulatorOptions>? configure = null)
    {
        var options = services.AddOptions<EmulatorOptions>().BindConfiguration(EmulatorOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Validate(o => o.Limits is { AreValid: true }, $"{EmulatorOptions.Section}:{nameof(EmulatorOptions.Limits)}: every limit lets at least 1 call through.")
            .ValidateOnStart();

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<EmulatorOptions>>().Value);
        services.AddSingleton(sp => new RequestLedger(sp.GetRequiredService<EmulatorOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EmulatorScript>();
        services.AddSingleton<FileHosting>();
        services.AddSingleton<CallLog>();
        services.AddSingleton<AccountLimiter>();
        services.AddSingleton<WebhookLog>();
        services.AddSingleton<WebhookDelivery>();
        return services;
    }

    /// <summary>Maps the queue under <c>{prefix}/v1</c> and sample files under <c>{prefix}/files</c>.</summary>
    public static IEndpointRouteBuilder MapSunraEmulator(this IEndpointRouteBuilder app, string prefix = "")
    {
        var root = app.MapGroup(prefix).ExcludeFromDescription().WithMetadata(new EmulatorMount(prefix));
        var queue = root.MapGroup("/v1/queue").AddEndpointFilter(RecordAuthenticateLimitAndFault);

        queue.MapPost("/{**endpointId}", Submit).WithMetadata(new OperationMetadata(SunraOperation.Submit));
        var byId = queue.MapGroup("/requests/{requestId}");
        byId.MapGet("/status", Status).WithMetadata(new OperationMetadata(SunraOperation.Status));
        byId.MapGet("/status/stream", StatusStream).WithMetadata(new OperationMetadata(SunraOperation.StatusStream));
        byId.MapGet("", Result).WithMetadata(new OperationMetadata(SunraOperation.Result));
        byId.MapPut("/cancel", Cancel).WithMetadata(new OperationMetadata(SunraOperation.Cancel));

        // Routing finds no empty segment, so Python's /v1/queue//requests/{id}/… arrives here, with
        // every other GET or PUT the queue has no endpoint for.
        queue.MapMethods("/{**path}", [HttpMethods.Get, HttpMethods.Put], DoubleSlashOrNoEndpoint);

        root.MapGet("/files/{fileName}", File);
        return app;
    }

    private sealed record OperationMetadata(SunraOperation Operation);

    private sealed record EmulatorMount(string Prefix);

    /// <summary>
    /// A call by id on the path Sunra's Python client builds: it joins <c>…/v1/queue/</c> and
    /// <c>/requests/{id}</c>, so its calls arrive as <c>/v1/queue//requests/{id}/status</c> and so on.
    /// Sunra serves them as the calls they stand for.
    /// </summary>
    private sealed record DoubleSlashCall(SunraOperation Operation, string RequestId)
    {
        public static DoubleSlashCall? Of(HttpContext http)
        {
            // The rest of /v1/queue//requests/pd_1/status is "/requests/pd_1/status": it starts with the empty segment.
            if (http.GetRouteValue("path") is not string path)
            {
                return null;
            }

            var get = HttpMethods.IsGet(http.Request.Method);
            return path.Split('/') switch
            {
                ["", "requests", { Length: > 0 } id] when get => new(SunraOperation.Result, id),
                ["", "requests", { Length: > 0 } id, "status"] when get => new(SunraOperation.Status, id),
                ["", "requests", { Length: > 0 } id, "status", "stream"] when get => new(SunraOperation.StatusStream, id),
                ["", "requests", { Length: > 0 } id, "cancel"] when HttpMethods.IsPut(http.Request.Method) => new(SunraOperation.Cancel, id),
                _ => null,
            };
        }
    }

    private static async ValueTask<object?> RecordAuthenticateLimitAndFault(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        http.Response.Headers["x-request-id"] = "req_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

        var authorization = http.Request.Headers.Authorization.ToString();
        var calls = services.GetRequiredService<CallLog>();
        if (calls.IsRecording)
        {
            await RecordAsync(http, authorization, calls);
        }

        var presented = SunraAuthorization.KeyOf(authorization);
        var expected = services.GetRequiredService<EmulatorOptions>().ApiKey;
        if (presented is null)
        {
            return Error(http, SunraErrors.Unauthenticated, "Missing credentials: send 'Authorization: Key <your key>'.");
        }

        if (expected is not null && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
        {
            return Error(http, SunraErrors.Unauthenticated, "Invalid API key.");
        }

        var operation = http.GetEndpoint()?.Metadata.GetMetadata<OperationMetadata>()?.Operation ?? DoubleSlashCall.Of(http)?.Operation;
        if (services.GetRequiredService<AccountLimiter>().TryAdmit(presented, submit: operation is SunraOperation.Submit) is { } refusal)
        {
            return Throttled(http, refusal, operation is SunraOperation.Submit ? "submits" : "queue calls");
        }

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

    // Sunra's throttle is a 403, told from a refused key by the rate-limit headers only it carries.
    private static JsonHttpResult<SunraErrorBody> Throttled(HttpContext http, LimitRefusal refusal, string calls)
    {
        var headers = http.Response.Headers;
        headers[SunraAccountLimits.LimitHeader] = refusal.Limit.ToString(CultureInfo.InvariantCulture);
        headers[SunraAccountLimits.RemainingHeader] = "0";
        headers[SunraAccountLimits.ResetHeader] = refusal.ResetSeconds.ToString(CultureInfo.InvariantCulture);
        var window = refusal.Window == TimeSpan.FromSeconds(1) ? "second" : "minute";
        return Error(
            http,
            SunraErrors.RateLimitExceeded,
            $"Rate limit exceeded: at most {refusal.Limit} {calls} per {window} for this account. Retry in {refusal.ResetSeconds} s.");
    }

    private static async Task RecordAsync(HttpContext http, string authorization, CallLog calls)
    {
        http.Request.EnableBuffering();
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        http.Request.Body.Position = 0;
        calls.Add(new RecordedCall(
            http.Request.Method, http.Request.Path + http.Request.QueryString, authorization.Length == 0 ? null : authorization, buffer.ToArray())
        {
            TraceParent = http.Request.Headers["traceparent"].FirstOrDefault(),
        });
    }

    private static async Task<IResult> Submit(
        string endpointId,
        string? webhook,
        [FromQuery(Name = "sunra_webhook")] string? sunraWebhook,
        HttpContext http,
        RequestLedger queue,
        WebhookDelivery webhooks)
    {
        if (endpointId != VideoToVideo)
        {
            return Error(http, SunraErrors.EndpointNotFound, $"Endpoint '{endpointId}' was not found.");
        }

        Dictionary<string, JsonElement>? input;
        try
        {
            input = await JsonSerializer.DeserializeAsync(http.Request.Body, EmulatorJsonContext.Default.DictionaryStringJsonElement, http.RequestAborted);
        }
        catch (JsonException e)
        {
            return Error(http, SunraErrors.InvalidRequest, $"The body is not a JSON object: {e.Message}");
        }

        if (input is null)
        {
            return Error(http, SunraErrors.InvalidRequest, "Input should be an object.");
        }

        var issues = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var videoId = ReadString(input, "video_id", minLength: 1, maxLength: null, issues);
        var prompt = ReadString(input, "prompt", minLength: 1, maxLength: PromptMaxCodePoints, issues);
        var webhookUrl = ReadWebhook(SunraWebhooks.Of(webhook, sunraWebhook, http.Request.QueryString.Value), issues);
        if (issues.Count > 0)
        {
            return Error(
                http,
                SunraErrors.InvalidRequest,
                string.Join("; ", issues.Select(issue => $"{issue.Key}: {string.Join(", ", issue.Value)}")),
                SunraErrors.DetailsByField(issues));
        }

        var accepted = queue.Submit(endpointId, videoId!, prompt!, webhookUrl);
        if (webhookUrl is not null)
        {
            webhooks.Schedule(accepted, BaseOf(http.Request));
        }

        var urls = UrlsOf(http.Request, accepted.Id);
        return TypedResults.Json(
            new SunraSubmitted
            {
                RequestId = accepted.Id,
                Status = "IN_QUEUE",
                QueuePosition = queue.QueuePositionOf(accepted),
                ResponseUrl = urls.Response,
                StatusUrl = urls.Status,
                CancelUrl = urls.Cancel,
            },
            SunraProtocolJsonContext.Default.SunraSubmitted);
    }

    // The model card's limits, with the messages of Sunra's validation (one per field at fault); the
    // prompt's length is counted in code points, as JSON Schema counts characters.
    private static string? ReadString(Dictionary<string, JsonElement> input, string name, int minLength, int? maxLength, Dictionary<string, string[]> issues)
    {
        if (!input.TryGetValue(name, out var value))
        {
            issues[name] = ["Field required"];
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            issues[name] = ["Input should be a valid string"];
            return null;
        }

        var text = value.GetString()!;
        var codePoints = text.EnumerateRunes().Count();
        if (codePoints < minLength)
        {
            issues[name] = [$"String should have at least {minLength} character"];
        }
        else if (codePoints > maxLength)
        {
            issues[name] = [$"String should have at most {maxLength} characters"];
        }

        return text;
    }

    // Where the outcome goes: an absolute http(s) URL, or none when the query names none.
    private static Uri? ReadWebhook(string? url, Dictionary<string, string[]> issues)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var webhook) && (webhook.Scheme == Uri.UriSchemeHttp || webhook.Scheme == Uri.UriSchemeHttps))
        {
            return webhook;
        }

        issues["webhook"] = ["Input should be a valid URL, with the scheme http or https"];
        return null;
    }

    private static IResult DoubleSlashOrNoEndpoint(HttpContext http, RequestLedger queue, WebhookDelivery webhooks, FileHosting files, EmulatorOptions options, TimeProvider clock, string? logs) =>
        DoubleSlashCall.Of(http) switch
        {
            { Operation: SunraOperation.Status } call => Status(call.RequestId, http, queue, logs),
            { Operation: SunraOperation.StatusStream } call => StatusStream(call.RequestId, http, queue, options, clock, logs),
            { Operation: SunraOperation.Result } call => Result(call.RequestId, http, queue, files),
            { Operation: SunraOperation.Cancel } call => Cancel(call.RequestId, http, queue, webhooks),
            _ => Error(http, SunraErrors.EndpointNotFound, $"The queue has no endpoint for {http.Request.Method} {http.Request.Path}."),
        };

    private static bool WithLogs(string? logs) => logs is "1" or "true";

    private static IResult Status(string requestId, HttpContext http, RequestLedger queue, string? logs) =>
        queue.Find(requestId) is { } found
            ? Results.Bytes(RenderStatus(queue, found, WithLogs(logs), UrlsOf(http.Request, requestId).Response), "application/json")
            : UnknownRequest(http, requestId);

    private static IResult StatusStream(string requestId, HttpContext http, RequestLedger queue, EmulatorOptions options, TimeProvider clock, string? logs)
    {
        if (queue.Find(requestId) is not { } found)
        {
            return UnknownRequest(http, requestId);
        }

        var responseUrl = UrlsOf(http.Request, requestId).Response;
        var withLogs = WithLogs(logs);
        return TypedResults.ServerSentEvents(Changes(http.RequestAborted));

        async IAsyncEnumerable<string> Changes([EnumeratorCancellation] CancellationToken cancellation)
        {
            string? last = null;
            while (true)
            {
                var state = queue.StateOf(found);
                var current = Encoding.UTF8.GetString(RenderStatus(queue, found, withLogs, responseUrl));
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

    private static IResult Result(string requestId, HttpContext http, RequestLedger queue, FileHosting files)
    {
        if (queue.Find(requestId) is not { } found)
        {
            return UnknownRequest(http, requestId);
        }

        return queue.StateOf(found) switch
        {
            QueueState.Completed when found.Failure is { } failure => Error(
                http,
                SunraErrors.PredictionFailed,
                failure.Message,
                JsonSerializer.SerializeToElement(failure, EmulatorJsonContext.Default.GenerationError)),
            QueueState.Completed => TypedResults.Json(ResultOf(found, BaseOf(http.Request), files), SunraProtocolJsonContext.Default.SunraVideoOutput),
            QueueState.Canceled => Error(http, SunraErrors.RemixCanceled, $"Request '{requestId}' was canceled: it has no result."),
            _ => Error(http, SunraErrors.RequestNotCompleted, $"Request '{requestId}' has not completed yet: follow its status_url until it is COMPLETED."),
        };
    }

    /// <summary>The output of a request completed with success, its file served from <paramref name="emulatorBase"/> (or where <paramref name="files"/> says).</summary>
    internal static SunraVideoOutput ResultOf(EmulatedRequest request, string emulatorBase, FileHosting files) =>
        new()
        {
            Video = new SunraFile
            {
                ContentType = files.ContentType,
                FileName = request.FileName,
                FileSize = files.ReportedSize ?? files.Length,
                Url = $"{files.UrlBase ?? emulatorBase}/files/{request.FileName}",
            },
        };

    private static IResult Cancel(string requestId, HttpContext http, RequestLedger queue, WebhookDelivery webhooks)
    {
        if (queue.Find(requestId) is not { } found)
        {
            return UnknownRequest(http, requestId);
        }

        if (!queue.TryCancel(found))
        {
            return Error(http, SunraErrors.NotCancellable, $"Request '{requestId}' has already completed and cannot be canceled.");
        }

        webhooks.Ended(found);
        return TypedResults.Json(new CancelAnswer("CANCELLATION_REQUESTED"), EmulatorJsonContext.Default.CancelAnswer);
    }

    private static async Task File(string fileName, RequestLedger queue, FileHosting files, HttpContext http)
    {
        files.Downloaded();
        if (files.Gone || queue.Find(Path.GetFileNameWithoutExtension(fileName)) is not { } request
            || request.FileName != fileName || queue.StateOf(request) != QueueState.Completed || request.Failure is not null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (files.RedirectTo is { } target)
        {
            http.Response.Redirect($"{target}/files/{fileName}");
            return;
        }

        // Streamed from the sample, a buffer at a time, whatever the file's size (FileHosting.Size).
        await using var file = files.Open();
        if (files.BytesPerSecond is not { } rate)
        {
            await TypedResults.Stream(file, files.ContentType, fileName, enableRangeProcessing: true).ExecuteAsync(http);
            return;
        }

        // Ten slices a second, each flushed: a reader sees the file arrive bit by bit.
        http.Response.ContentType = files.ContentType;
        http.Response.ContentLength = file.Length;
        var slice = new byte[Math.Max(1, rate / 10)];
        while (await file.ReadAsync(slice, http.RequestAborted) is var read and > 0)
        {
            await http.Response.Body.WriteAsync(slice.AsMemory(0, read), http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            await Task.Delay(100, http.RequestAborted);
        }
    }

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

    private static JsonHttpResult<SunraErrorBody> UnknownRequest(HttpContext http, string requestId) =>
        Error(http, SunraErrors.RemixNotFound, $"Request '{requestId}' was not found.");

    // The body's request_id is the call's x-request-id, as Sunra's clients report them together.
    private static JsonHttpResult<SunraErrorBody> Error(HttpContext http, SunraError error, string message, JsonElement? details = null) =>
        TypedResults.Json(
            error.Body(
                message,
                details,
                http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
                http.Response.Headers["x-request-id"].ToString()),
            SunraProtocolJsonContext.Default.SunraErrorBody,
            statusCode: error.Status);

    // The emulator may be mounted under a prefix (the gateway's sandbox does so); its URLs include it.
    private static string BaseOf(HttpRequest request) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EmulatorMount>()?.Prefix}";

    private static (string Response, string Status, string Cancel) UrlsOf(HttpRequest request, string requestId)
    {
        var response = $"{BaseOf(request)}/v1/queue/requests/{requestId}";
        return (response, response + "/status", response + "/cancel");
    }

    internal static byte[] SampleVideo => SampleVideoHolder.Bytes;

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
