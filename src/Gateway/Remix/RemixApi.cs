using System.ComponentModel;
using System.Globalization;
using Gateway.Callers;
using Gateway.Hosting;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Gateway.Remix;

/// <summary>The remix routes: submit, then follow the request through Sunra's queue.</summary>
public static class RemixApi
{
    public static WebApplicationBuilder AddRemix(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<RemixSubmissions>();
        builder.Services.AddScoped<RemixStatuses>();
        builder.Services.AddSingleton<StatusFlights>();
        builder.Services.AddScoped<StatusFollower>();

        // On SIGTERM a submit already at Sunra is answered and recorded: the host waits for it. The
        // setting is read raw, as the host is built before SunraOptions is validated (at start).
        var timeout = int.TryParse(builder.Configuration[$"{SunraOptions.Section}:{nameof(SunraOptions.TimeoutSeconds)}"], out var seconds)
            ? seconds
            : new SunraOptions().TimeoutSeconds;
        var submit = TimeSpan.FromSeconds(timeout) + RemixSubmissions.RecordingTime + TimeSpan.FromSeconds(5);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = host.ShutdownTimeout > submit ? host.ShutdownTimeout : submit);
        return builder;
    }

    public static IEndpointRouteBuilder MapRemix(this IEndpointRouteBuilder app)
    {
        var remix = app.MapGroup("/remix")
            .WithTags("Remix")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        remix.MapPost("/", Submit)
            .RequireRateLimiting(CallerPolicies.Submit)
            .WithName("SubmitRemix")
            .WithSummary("Submit a remix")
            .WithDescription(
                "Validates the request against the model card (video_id at least 1 character; prompt 1 to 5000 Unicode code points), " +
                "then submits it to Sunra's queue once. Answers 202 with the request_id and the gateway's URLs to follow it. " +
                "With an Idempotency-Key, a repeat of the same request within " + IdempotencyRecords.RetentionText + " answers the original request_id " +
                "(with Idempotent-Replayed: true) instead of buying another remix.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        // A remix is seen only by the caller that submitted it; for anyone else it does not exist.
        var one = remix.MapGroup("/{request_id}")
            .RequireRateLimiting(CallerPolicies.Read)
            .AddEndpointFilter(CallerExtensions.OwnedByCaller)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        one.MapGet("/status", GetStatus)
            .WithName("GetRemixStatus")
            .WithSummary("Get a remix's queue status")
            .WithDescription("IN_QUEUE (with queue_position), IN_PROGRESS, COMPLETED (with success, error and metrics) or CANCELED. `?logs=true` adds the generation's logs.");

        one.MapGet("", GetResult)
            .WithName("GetRemixResult")
            .WithSummary("Get a remix's video")
            .WithDescription(
                "200 with the video once the remix completed successfully. Before that, 202 with the status and a Retry-After header. " +
                "A generation that failed answers 422 (generation-failed); a canceled one 410 (remix-canceled).")
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        one.MapPost("/cancel", Cancel)
            .WithName("CancelRemix")
            .WithSummary("Cancel a remix")
            .WithDescription("Asks Sunra to cancel the request; its status then shows CANCELED. A remix that already completed cannot be canceled (409).")
            .ProducesProblem(StatusCodes.Status409Conflict);

        one.MapGet("/events", Events)
            .RequireRateLimiting(CallerPolicies.Events)
            .WithName("StreamRemixEvents")
            .WithSummary("Follow a remix as server-sent events")
            .WithDescription(
                "A `status` event (the same JSON as the status route, with an `id`) each time the status changes, a `: heartbeat` comment " +
                "while nothing changes, and the end right after COMPLETED or CANCELED. Reconnect with `Last-Event-ID` to get only what is new; " +
                "204 when that was the final event.");

        return app;
    }

    internal const string IdempotencyKeyDescription =
        "Optional, 1 to 255 visible ASCII characters (e.g. a UUID). Repeating a submit with the same key and body within " +
        IdempotencyRecords.RetentionText + " answers the original request_id instead of buying another remix; the same key with another body is a 422.";

    internal static async Task<Results<Accepted<RemixAccepted>, ProblemHttpResult>> Submit(
        RemixRequest request,
        [FromHeader(Name = RemixSubmissions.IdempotencyKeyHeader), Description(IdempotencyKeyDescription)] string? idempotencyKey,
        RemixSubmissions submissions,
        HttpContext http)
    {
        var submitted = await submissions.SubmitAsync(request, http.User.Identity!.Name!, idempotencyKey, http);
        return submitted.Failed
            ? submitted.Problem.ToResult(http)
            : TypedResults.Accepted(RemixLinks.Result(submitted.Value.RequestId), submitted.Value);
    }

    internal static async Task<Results<Ok<RemixStatus>, ProblemHttpResult>> GetStatus(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, HttpContext http, bool logs = false)
    {
        var status = await statuses.GetAsync(requestId, logs, http.RequestAborted);
        return status.Failed ? status.Problem.ToResult(http) : TypedResults.Ok(status.Value);
    }

    internal static async Task<Results<Ok<RemixResult>, Accepted<RemixStatus>, ProblemHttpResult>> GetResult(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, IOptions<SunraOptions> options, HttpContext http)
    {
        switch (await statuses.ReadResultAsync(requestId, http.RequestAborted))
        {
            case { Problem: { } problem }:
                return problem.ToResult(http);
            case { Video: { } video }:
                return TypedResults.Ok(video);
            case { WithoutVideo: { Status: RemixState.Canceled } }:
                return RemixProblems.Canceled(requestId).ToResult(http);
            case { WithoutVideo: { Status: RemixState.Completed } failed }:
                return RemixProblems.GenerationFailed(failed.Error).ToResult(http);
            case { WithoutVideo: { } unfinished }:
                http.Response.Headers.RetryAfter = GatewayProblem.RetryAfterSeconds(options.Value.StatusPollInterval);
                return TypedResults.Accepted(RemixLinks.Status(requestId), unfinished);
            default:
                throw new InvalidOperationException("A result read finds a video, a status or a problem.");
        }
    }

    internal static async Task<Results<Accepted<RemixCancellation>, ProblemHttpResult>> Cancel(
        [FromRoute(Name = "request_id"), RequestId] string requestId, SunraQueueClient sunra, HttpContext http)
    {
        var canceled = await sunra.CancelAsync(requestId, http.RequestAborted);
        return canceled.Failed
            ? canceled.Problem.ToResult(http)
            : TypedResults.Accepted(RemixLinks.Status(requestId), canceled.Value);
    }

    internal static async Task<Results<RemixEventStream, NoContent, ProblemHttpResult>> Events(
        [FromRoute(Name = "request_id"), RequestId] string requestId,
        [FromHeader(Name = RemixEventStream.LastEventIdHeader)] string? lastEventId,
        RemixStatuses statuses,
        StatusFollower follower,
        HttpContext http)
    {
        var first = await statuses.GetAsync(requestId, logs: false, http.RequestAborted);
        if (first.Failed)
        {
            return first.Problem.ToResult(http);
        }

        // A caller that already has the final event is told there is nothing more: a 204 stops a
        // browser's EventSource from reconnecting, where an empty stream would not.
        if (first.Value.Status is RemixState.Completed or RemixState.Canceled && lastEventId == RemixEventStream.EventIdOf(first.Value))
        {
            return TypedResults.NoContent();
        }

        return new RemixEventStream(follower.Follow(first.Value, lastEventId, http.RequestAborted));
    }
}
