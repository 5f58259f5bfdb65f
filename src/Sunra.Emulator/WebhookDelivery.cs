using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Sunra.Protocol;

namespace Sunra.Emulator;

/// <summary>
/// Sunra's webhook: when a request whose submit named one ends (completed, failed or canceled), the
/// emulator POSTs <c>{"status": "OK" | "ERROR", "request_id", "payload", "error"?}</c> to it, unsigned.
/// A request ends with the passage of the emulator's clock, so each one waits on a timer of that clock
/// (a fake clock's included: moving it past the end fires the callback); a cancel ends it at once.
/// Sending runs apart from every API call, a few attempts at most, and a target that is down, slow or
/// refuses is logged and given up on. Logs name the target's host only: its path and query may hold a
/// secret.
/// </summary>
internal sealed partial class WebhookDelivery(
    RequestLedger queue,
    EmulatorScript script,
    FileHosting files,
    WebhookLog log,
    TimeProvider clock,
    ILogger<WebhookDelivery> logger) : IAsyncDisposable
{
    /// <summary>POSTs per callback, the first included.</summary>
    public const int Attempts = 3;

    // Real time, as the attempts' network waits are: a test on a fake clock need not move it for a retry.
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<Task, byte> _sending = new();

    private readonly CancellationTokenSource _stopping = new();

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = AttemptTimeout };

    /// <summary>Waits for the request to end, to POST its outcome to its <see cref="EmulatedRequest.Webhook"/>.</summary>
    /// <param name="request">A request just accepted, with a webhook.</param>
    /// <param name="resultBase">The emulator's base URL as the submit reached it, for the result's file URL.</param>
    public void Schedule(EmulatedRequest request, string resultBase)
    {
        ArgumentNullException.ThrowIfNull(request.Webhook);

        // Armed only once it is pending, so that a timer due at once still finds its request there.
        var timer = clock.CreateTimer(_ => OnDue(request.Id), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _pending[request.Id] = new Pending(request, resultBase, timer);
        Arm(timer, request);
    }

    /// <summary>The request has ended before its time (a cancel): its callback goes now.</summary>
    public void Ended(EmulatedRequest request)
    {
        if (_pending.TryRemove(request.Id, out var pending))
        {
            Send(pending);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var pending in _pending.Values)
        {
            await pending.Timer.DisposeAsync();
        }

        _pending.Clear();
        await Task.WhenAll(_sending.Keys);
        _http.Dispose();
        _stopping.Dispose();
    }

    private void Arm(ITimer timer, EmulatedRequest request)
    {
        var wait = queue.CompletesAt(request) - clock.GetUtcNow();
        try
        {
            timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Sent meanwhile (canceled), or the emulator is stopping.
        }
    }

    // On a timer's thread (or a fake clock's Advance): it must neither throw nor wait.
    private void OnDue(string requestId)
    {
        try
        {
            if (!_pending.TryGetValue(requestId, out var pending))
            {
                return;
            }

            if (queue.StateOf(pending.Request) is QueueState.InQueue or QueueState.InProgress)
            {
                Arm(pending.Timer, pending.Request);
                return;
            }

            if (_pending.TryRemove(requestId, out _))
            {
                Send(pending);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUnexpected(logger, requestId, e);
        }
    }

    private void Send(Pending pending)
    {
        pending.Timer.Dispose();
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var body = Render(pending);
        var sending = Task.Run(() => SendAsync(pending.Request, body));
        _sending.TryAdd(sending, 0);
        sending.ContinueWith(done => _sending.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // OK with the result, as the result call answers it; ERROR with the generation's error, or one
    // saying the request was canceled, and no payload.
    private byte[] Render(Pending pending)
    {
        var request = pending.Request;
        var callback = queue.StateOf(request) == QueueState.Completed && request.Failure is null
            ? new WebhookCallbackBody("OK", request.Id, SunraEmulatorApi.ResultOf(request, pending.ResultBase, files), null)
            : new WebhookCallbackBody("ERROR", request.Id, null, request.Failure ?? CanceledError(request));
        return JsonSerializer.SerializeToUtf8Bytes(callback, EmulatorJsonContext.Default.WebhookCallbackBody);
    }

    private GenerationError CanceledError(EmulatedRequest request) =>
        new(SunraErrors.RemixCanceled.Code, $"Request '{request.Id}' was canceled.", null, request.CanceledAt ?? clock.GetUtcNow());

    private async Task SendAsync(EmulatedRequest request, byte[] body)
    {
        var target = request.Webhook!;
        try
        {
            if (script.TryDropWebhook())
            {
                LogDropped(logger, request.Id, target.Host);
                log.Add(new WebhookCallback(request.Id, target, body, WebhookOutcome.Dropped));
                return;
            }

            int? status = null;
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                if (attempt > 1)
                {
                    await Task.Delay(Backoff * (attempt - 1), _stopping.Token);
                }

                status = await PostAsync(request.Id, target, body, attempt);
                if (status is >= 200 and < 300)
                {
                    LogDelivered(logger, request.Id, target.Host, status.Value, attempt);
                    log.Add(new WebhookCallback(request.Id, target, body, WebhookOutcome.Delivered) { Attempts = attempt, LastStatus = status });
                    return;
                }
            }

            LogAbandoned(logger, request.Id, target.Host, Attempts);
            log.Add(new WebhookCallback(request.Id, target, body, WebhookOutcome.Failed) { Attempts = Attempts, LastStatus = status });
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The emulator is stopping: what it still owed is not sent.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUnexpected(logger, request.Id, e);
        }
    }

    /// <summary>One POST: the status it was answered with, or null for none.</summary>
    private async Task<int?> PostAsync(string requestId, Uri target, byte[] body, int attempt)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        try
        {
            using var response = await _http.PostAsync(target, content, _stopping.Token);
            var status = (int)response.StatusCode;
            if (status is < 200 or >= 300)
            {
                LogRefused(logger, requestId, target.Host, attempt, Attempts, status);
            }

            return status;
        }
        catch (HttpRequestException e)
        {
            // Its message names no more than host and port; it is not logged whole all the same.
            LogUnreachable(logger, requestId, target.Host, attempt, Attempts, e.HttpRequestError.ToString());
            return null;
        }
        catch (TaskCanceledException) when (!_stopping.IsCancellationRequested)
        {
            LogUnreachable(logger, requestId, target.Host, attempt, Attempts, $"no answer within {AttemptTimeout.TotalSeconds:0} s");
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook of {RequestId} delivered to {WebhookHost}: {Status} on attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string requestId, string webhookHost, int status, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook of {RequestId} to {WebhookHost}: attempt {Attempt} of {Attempts} answered {Status}")]
    private static partial void LogRefused(ILogger logger, string requestId, string webhookHost, int attempt, int attempts, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook of {RequestId} to {WebhookHost}: attempt {Attempt} of {Attempts} got no answer ({Reason})")]
    private static partial void LogUnreachable(ILogger logger, string requestId, string webhookHost, int attempt, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook of {RequestId} to {WebhookHost} given up after {Attempts} attempts")]
    private static partial void LogAbandoned(ILogger logger, string requestId, string webhookHost, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook of {RequestId} to {WebhookHost} dropped, as the script asked")]
    private static partial void LogDropped(ILogger logger, string requestId, string webhookHost);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook of {RequestId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string requestId, Exception exception);

    private sealed record Pending(EmulatedRequest Request, string ResultBase, ITimer Timer);
}
