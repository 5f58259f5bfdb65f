using System.ComponentModel;
using System.Globalization;
using Gateway.Callers;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static Gateway.Problems.ProblemCatalog;

namespace Gateway.Remix;

/// <summary>
/// The gateway's own door, <c>/remix</c>: submit, then follow the request through Sunra's queue. Each
/// handler maps its request to a call of the core and the core's answer to this door's shapes, links
/// and problem answers; every rule is the core's.
/// </summary>
public static class RemixApi
{
    internal const int DefaultPageSize = 20;

    internal const int MaxPageSize = 100;

    public static WebApplicationBuilder AddRemixDoor(this WebApplicationBuilder builder)
    {
        builder.Services.AddJsonContracts(RemixJsonContext.Default);
        builder.Services.AddOpenApiParts(openApi => openApi.AddOperationTransformer<RemixExamples>());
        builder.Services.AddOpenApiTag(
            "Remix",
            order: 0,
            "The gateway's own API: submit a remix, then follow it by polling its status, streaming its events or fetching its result. " +
            "Every refusal is an application/problem+json answer that says what to fix.");
        return builder;
    }

    public static IEndpointRouteBuilder MapRemix(this IEndpointRouteBuilder app)
    {
        // The list reads only the gateway's records: the problems of a call to Sunra are the other routes'.
        ProblemType[] upstream = [UpstreamCredentials, UpstreamError, UpstreamUnreachable, UpstreamThrottled, UpstreamUnavailable, UpstreamTimeout];
        var remix = app.MapGroup("/remix")
            .WithTags("Remix")
            .RequireAuthorization()
            .ProducesProblems(Unauthenticated, RateLimited, StateUnavailable);

        remix.MapPost("/", Submit)
            .RequireRateLimiting(CallerPolicies.Submit)
            .WithName(RemixExamples.Submit)
            .WithSummary("Submit a remix")
            .WithDescription(
                "Validates the request against the model card (video_id at least 1 character; prompt 1 to 5000 Unicode code points), " +
                "then submits it to Sunra's queue once. Answers 202 with the request_id and the gateway's URLs to follow it. " +
                "With an Idempotency-Key, a repeat of the same request within " + IdempotencyKeys.RetentionText + " answers the original request_id " +
                "(with Idempotent-Replayed: true) instead of buying another remix.")
            .ProducesProblems(upstream)
            .ProducesProblems(InvalidRequest, IdempotencyOutcomeUnknown, IdempotencyKeyInUse, PayloadTooLarge, UnsupportedMediaType, UpstreamRejectedInput, IdempotencyKeyReused, QuotaExhausted, AccountBudgetSpent);

        remix.MapGet("/", List)
            .RequireRateLimiting(CallerPolicies.Read)
            .WithName(RemixExamples.List)
            .WithSummary("List your remixes")
            .WithDescription(
                "The caller's own remixes, newest first, as the gateway's records keep them (for Gateway:Records:RetentionDays after the submit): " +
                "each with its latest known status and the same URLs as the submit's answer. `limit` (1 to 100, default 20) per page; " +
                "send a page's `next` as `after` for the next one (`has_more` says whether there is one). `status` keeps only the remixes in that state; " +
                "with it, a page may hold fewer than `limit` remixes and still have more after it.")
            .ProducesProblems(InvalidRequest);

        // A remix is seen only by the caller that submitted it; for anyone else it does not exist.
        var one = remix.MapGroup("/{request_id}")
            .RequireRateLimiting(CallerPolicies.Read)
            .ProducesProblems(upstream)
            .ProducesProblems(InvalidRequest, RemixNotFound);

        one.MapGet("/status", GetStatus)
            .RequireRateLimiting(CallerPolicies.Status)
            .WithName(RemixExamples.Status)
            .WithSummary("Get a remix's queue status")
            .WithDescription("IN_QUEUE (with queue_position), IN_PROGRESS, COMPLETED (with success, error and metrics) or CANCELED. `?logs=true` adds the generation's logs.");

        one.MapGet("", GetResult)
            .WithName(RemixExamples.Result)
            .WithSummary("Get a remix's video")
            .WithDescription(
                "200 with the video once the remix completed successfully. Before that, 202 with the status and a Retry-After header. " +
                "A generation that failed answers 422 (generation-failed); a canceled one 410 (remix-canceled).")
            .ProducesProblems(RemixCanceled, GenerationFailed);

        one.MapPost("/cancel", Cancel)
            .WithName(RemixExamples.Cancel)
            .WithSummary("Cancel a remix")
            .WithDescription("Asks Sunra to cancel the request; its status then shows CANCELED. A remix that already completed cannot be canceled (409).")
            .ProducesProblems(NotCancellable);

        one.MapDelete("", Delete)
            .WithName(RemixExamples.Delete)
            .WithSummary("Delete a remix")
            .WithDescription(
                "Forgets the remix: its record, the gateway's copy of its video, its status and its result, on every replica; answers 204, and 404 from then on. " +
                "A remix still IN_QUEUE or IN_PROGRESS is refused with 409 (remix-running): cancel it first, then delete it once it is CANCELED or COMPLETED.")
            .ProducesProblems(RemixRunning, StorageUnavailable);

        one.MapGet("/events", Events)
            .RequireRateLimiting(CallerPolicies.Events)
            .WithName(RemixExamples.Events)
            .WithSummary("Follow a remix as server-sent events")
            .WithDescription(
                "A `status` event (the same JSON as the status route, with an `id`) each time the status changes, a `: heartbeat` comment " +
                "while nothing changes, and the end right after COMPLETED or CANCELED. Reconnect with `Last-Event-ID` to get only what is new; " +
                "204 when that was the final event.");

        return app;
    }

    internal static async Task<Results<Accepted<RemixAccepted>, ProblemHttpResult>> Submit(
        RemixRequest request,
        [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyKeys.Description)] string? idempotencyKey,
        RemixSubmissions submissions,
        HttpContext http)
    {
        var submitted = await submissions.SubmitAsync(request.ToOrder(), http.CallerName(), http.Request.HeaderAsSent(IdempotencyKeys.Header, idempotencyKey), http.RequestAborted);
        if (submitted.Failed)
        {
            return submitted.Problem.ToResult(http);
        }

        if (submitted.Value.Replayed)
        {
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        }

        var accepted = RemixAccepted.Of(submitted.Value);
        return TypedResults.Accepted(accepted.ResultUrl, accepted);
    }

    /// <param name="requestId">The remix.</param>
    /// <param name="statuses">The core's status reads.</param>
    /// <param name="clock">The gateway's clock, for the status's age.</param>
    /// <param name="http">The call.</param>
    /// <param name="logs">true adds the generation's logs (read as text, so that a value that is not a boolean gets the gateway's own problem answer).</param>
    internal static async Task<Results<Ok<RemixStatus>, ProblemHttpResult>> GetStatus(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, TimeProvider clock, HttpContext http, string? logs = null)
    {
        if (!bool.TryParse(string.IsNullOrEmpty(logs) ? "false" : logs, out var withLogs))
        {
            return Problem.Invalid("logs", "logs must be true or false.").ToResult(http);
        }

        var status = await statuses.GetAsync(requestId, http.CallerName(), withLogs, http.RequestAborted);
        if (status.Failed)
        {
            return status.Problem.ToResult(http);
        }

        AgeHeader.Write(http.Response, status.Value.SeenAt, clock.GetUtcNow());
        return TypedResults.Ok(status.Value);
    }

    internal static async Task<Results<Ok<RemixResult>, Accepted<RemixStatus>, ProblemHttpResult>> GetResult(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixStatuses statuses, HttpContext http)
    {
        var read = await statuses.ReadResultAsync(requestId, http.CallerName(), http.RequestAborted);
        switch (read.Kind)
        {
            case ResultKind.Video:
                return TypedResults.Ok(read.Result!.ResolvedAgainst(http.Request.Origin()));
            case ResultKind.NotFinished:
                http.Response.Headers.RetryAfter = ProblemResults.RetryAfterSeconds(read.RetryAfter!.Value);
                return TypedResults.Accepted(RemixLinks.Status(requestId), read.Status);
            case ResultKind.Canceled:
                return Canceled(requestId).ToResult(http);
            case ResultKind.Failed:
                return Failed(GenerationFailed, read.Status!.Error).ToResult(http);
            default:
                return read.Problem!.ToResult(http);
        }
    }

    internal static async Task<Results<Accepted<RemixCancellation>, ProblemHttpResult>> Cancel(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixCancellations cancellations, HttpContext http)
    {
        var canceled = await cancellations.CancelAsync(requestId, http.CallerName(), http.RequestAborted);
        return canceled.Failed
            ? canceled.Problem.ToResult(http)
            : TypedResults.Accepted(RemixLinks.Status(requestId), RemixCancellation.Of(requestId));
    }

    /// <param name="history">The core's records.</param>
    /// <param name="http">The call.</param>
    /// <param name="limit">How many remixes at most, 1 to 100 (default 20). Read as text, like every parameter here, so that a bad value gets the gateway's own problem answer.</param>
    /// <param name="after">The <c>next</c> of the previous page.</param>
    /// <param name="status">Only the remixes in this state.</param>
    internal static async Task<Results<Ok<RemixPage>, ProblemHttpResult>> List(
        RemixHistory history, HttpContext http, string? limit = null, string? after = null, string? status = null)
    {
        var count = DefaultPageSize;
        if (!string.IsNullOrEmpty(limit)
            && !(int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= MaxPageSize))
        {
            return Problem.Invalid("limit", $"limit must be a whole number from 1 to {MaxPageSize}.").ToResult(http);
        }

        IndexEntry? from = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!RemixCursor.TryRead(after, out var position))
            {
                return Problem.Invalid("after", "after must be the next of an earlier page, as it was given.").ToResult(http);
            }

            from = position;
        }

        RemixState? state = null;
        if (!string.IsNullOrEmpty(status))
        {
            state = Enum.GetValues<RemixState>().Where(s => s.WireName() == status).Select(s => (RemixState?)s).FirstOrDefault();
            if (state is null)
            {
                return Problem.Invalid("status", "status must be one of " + string.Join(", ", Enum.GetValues<RemixState>().Select(s => s.WireName())) + ".").ToResult(http);
            }
        }

        var page = await history.ListAsync(http.CallerName(), state, count, from);
        return TypedResults.Ok(new RemixPage
        {
            Data = [.. page.Records.Select(RemixSummary.Of)],
            HasMore = page.Next is not null,
            Next = page.Next is { } next ? RemixCursor.Write(next) : null,
        });
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        [FromRoute(Name = "request_id"), RequestId] string requestId, RemixDeletions deletions, HttpContext http)
    {
        var refusal = await deletions.DeleteAsync(requestId, http.CallerName(), http.RequestAborted);
        return refusal is null ? TypedResults.NoContent() : refusal.ToResult(http);
    }

    internal static async Task<Results<RemixEventStream, NoContent, ProblemHttpResult>> Events(
        [FromRoute(Name = "request_id"), RequestId] string requestId,
        [FromHeader(Name = RemixEventStream.LastEventIdHeader)] string? lastEventId,
        StatusFollower follower,
        HttpContext http)
    {
        var stream = await follower.OpenAsync(requestId, http.CallerName(), lastEventId, http.RequestAborted);
        if (stream.Failed)
        {
            return stream.Problem.ToResult(http);
        }

        // A caller that already has the final event is told there is nothing more: a 204 stops a
        // browser's EventSource from reconnecting, where an empty stream would not.
        return stream.Value.AlreadyEnded ? TypedResults.NoContent() : new RemixEventStream(stream.Value.Statuses);
    }
}
