using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Gateway.Callers;
using Gateway.Hosting;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Gateway.Remix;

/// <summary>
/// A remix's status as server-sent events: a <c>status</c> event per change, its <c>id</c> derived
/// from the status itself (so a reconnect with <c>Last-Event-ID</c>, on any replica, gets nothing it
/// already had), a <c>: heartbeat</c> comment while nothing changes, and the end right after the final
/// event. Watchers read the coalesced status (<see cref="RemixStatuses"/>), so however many watch one
/// remix, Sunra is asked about once per poll interval.
/// </summary>
internal sealed class RemixEventStream(IAsyncEnumerable<RemixStatus?> events) : IResult, IEndpointMetadataProvider
{
    /// <summary>The header a reconnecting browser (or client) sends with the last id it saw.</summary>
    public const string LastEventIdHeader = "Last-Event-ID";

    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    /// <summary>The id of a status: its state, and its queue position while queued.</summary>
    public static string EventIdOf(RemixStatus status) => status.Status switch
    {
        RemixState.InQueue => $"IN_QUEUE.{status.QueuePosition}",
        RemixState.InProgress => "IN_PROGRESS",
        RemixState.Completed => "COMPLETED",
        _ => "CANCELED",
    };

    public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, events, EventOf);

    /// <summary>
    /// Writes a stream of statuses as server-sent events, one frame per status in the door's own
    /// shape and a heartbeat comment for each pause, flushed at once so nothing waits in a buffer.
    /// </summary>
    internal static async Task WriteAsync(HttpContext httpContext, IAsyncEnumerable<RemixStatus?> statuses, Func<RemixStatus, byte[]> frameOf)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";

        // Proxies such as nginx would otherwise hold events back in their buffers.
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.Body.FlushAsync(httpContext.RequestAborted);

        await foreach (var status in statuses.WithCancellation(httpContext.RequestAborted))
        {
            await response.Body.WriteAsync(status is null ? Heartbeat : frameOf(status), httpContext.RequestAborted);
            await response.Body.FlushAsync(httpContext.RequestAborted);
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(RemixStatus), ["text/event-stream"]));

    private static byte[] EventOf(RemixStatus status) =>
        Encoding.UTF8.GetBytes($"id: {EventIdOf(status)}\nevent: status\ndata: {JsonSerializer.Serialize(status, RemixJsonContext.Default.RemixStatus)}\n\n");

    /// <summary>
    /// The events of one remix from its first status: a status when its id differs from the last one
    /// sent (or the caller's <c>Last-Event-ID</c>), null for a heartbeat after <paramref name="heartbeat"/>
    /// of silence, until a final state.
    /// </summary>
    /// <remarks>
    /// An upstream failure skips a beat, with a growing wait and Sunra's Retry-After honoured. The
    /// stream ends when asking again cannot help (the remix is unknown, the gateway's key is refused)
    /// or after five failures in a row: a caller that reconnects is then told why, as a problem
    /// answer, by the first status call. When the replica shuts down the stream ends at once, so the
    /// caller reconnects to another replica.
    /// </remarks>
    public static async IAsyncEnumerable<RemixStatus?> Follow(
        RemixStatus first,
        string? lastEventId,
        RemixStatuses statuses,
        TimeSpan interval,
        TimeSpan heartbeat,
        TimeProvider clock,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        CancellationToken stopping)
    {
        const int MaxFailures = 5;
        var current = first;
        var sent = lastEventId;
        var failures = 0;
        var wait = interval;
        var lastWrite = clock.GetTimestamp();
        while (true)
        {
            if (EventIdOf(current) != sent)
            {
                sent = EventIdOf(current);
                lastWrite = clock.GetTimestamp();
                yield return current;
            }

            if (current.Status is RemixState.Completed or RemixState.Canceled)
            {
                yield break;
            }

            // The wait is cut into slices no longer than the heartbeat, so a long backoff or a long
            // Retry-After still keeps the stream (and the proxies on its way) alive.
            var pauseStarted = clock.GetTimestamp();
            while (clock.GetElapsedTime(pauseStarted) < wait)
            {
                var untilHeartbeat = heartbeat - clock.GetElapsedTime(lastWrite);
                var slice = wait - clock.GetElapsedTime(pauseStarted);
                if (!await PauseAsync(slice < untilHeartbeat ? slice : untilHeartbeat, clock, stopping, cancellationToken))
                {
                    yield break;
                }

                if (clock.GetElapsedTime(lastWrite) >= heartbeat)
                {
                    lastWrite = clock.GetTimestamp();
                    yield return null;
                }
            }

            var next = await statuses.GetAsync(current.RequestId, logs: false, cancellationToken);
            if (next.Failed)
            {
                if (next.Problem.Status == StatusCodes.Status404NotFound || next.Problem.Type == ProblemTypes.UpstreamCredentials || ++failures >= MaxFailures)
                {
                    yield break;
                }

                var backoff = interval * Math.Pow(2, failures);
                wait = next.Problem.RetryAfter is { } retryAfter && retryAfter > backoff ? retryAfter : backoff;
            }
            else
            {
                failures = 0;
                wait = interval;
                current = next.Value;
            }
        }
    }

    // False when the replica began to shut down during the pause.
    private static async Task<bool> PauseAsync(TimeSpan wait, TimeProvider clock, CancellationToken stopping, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero)
        {
            return !stopping.IsCancellationRequested;
        }

        try
        {
            await Task.Delay(wait, clock, stopping).WaitAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>
/// What every door's status stream reads: <see cref="RemixEventStream.Follow"/> with the gateway's
/// poll interval and heartbeat, ending when the replica shuts down.
/// </summary>
internal sealed class StatusFollower(
    RemixStatuses statuses, IOptions<SunraOptions> sunra, IOptions<GatewayOptions> gateway, TimeProvider clock, IHostApplicationLifetime lifetime)
{
    public IAsyncEnumerable<RemixStatus?> Follow(RemixStatus first, string? lastEventId, CancellationToken cancellationToken) =>
        RemixEventStream.Follow(
            first, lastEventId, statuses, sunra.Value.StatusPollInterval, gateway.Value.EventsHeartbeat, clock, cancellationToken, lifetime.ApplicationStopping);
}
