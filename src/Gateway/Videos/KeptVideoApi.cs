using System.Text.Json.Nodes;
using Gateway.Core.Custody;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.Sunra;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using static Gateway.Problems.ProblemCatalog;

namespace Gateway.Videos;

/// <summary>
/// The door of kept videos: <c>GET /videos/{request_id}</c> through the signed, expiring link a result
/// gives once the gateway has copied the video (<see cref="VideoLinks"/>). The link is the credential, so
/// the route needs no caller key and plays in a browser's <c>&lt;video&gt;</c>; it answers ranges (players
/// seek), with the video's SHA-256 as its <c>ETag</c> and its length.
/// </summary>
public static class KeptVideoApi
{
    public static WebApplicationBuilder AddKeptVideoDoor(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApiTag(
            "Videos",
            order: 2,
            "The videos the gateway keeps, through the signed link a remix's result gives (video.url when video.kept_by_gateway is true). " +
            "A link needs no caller key and expires (Gateway:Custody:LinkMinutes); read the result again for a fresh one.");
        return builder;
    }

    public static IEndpointRouteBuilder MapKeptVideos(this IEndpointRouteBuilder app)
    {
        app.MapGet(VideoLinks.Route + "/{request_id}", Get)
            .AllowAnonymous()
            .WithTags("Videos")
            .WithName("GetKeptVideo")
            .WithSummary("Get a kept video through its signed link")
            .WithDescription(
                "The video the gateway copied from Sunra, as video/*, with Content-Length, Accept-Ranges and an ETag (its SHA-256). " +
                "Send Range to read part of it (206), If-None-Match to revalidate (304). The link's expires and signature come from the result; " +
                "a changed link, or another remix's, is refused (403), an expired one is gone (410).")
            .Produces<Stream>(StatusCodes.Status200OK, "video/mp4")
            .Produces<Stream>(StatusCodes.Status206PartialContent, "video/mp4")
            .Produces(StatusCodes.Status304NotModified)
            .Produces<Stream>(StatusCodes.Status416RangeNotSatisfiable, "video/mp4")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // A range past the end is answered with Content-Range: bytes */{length} and an empty body.
                if (operation.Responses?.TryGetValue("416", out var unsatisfiable) is true && unsatisfiable.Content?.TryGetValue("video/mp4", out var empty) is true)
                {
                    empty.Example = JsonValue.Create(string.Empty);
                }

                return Task.CompletedTask;
            })
            .ProducesProblems(VideoLinkInvalid, VideoLinkExpired, VideoNotKept, StateUnavailable, StorageUnavailable);
        return app;
    }

    /// <param name="requestId">The remix whose video it is.</param>
    /// <param name="custody">The core's custody of videos.</param>
    /// <param name="links">The signed links.</param>
    /// <param name="clock">The gateway's clock.</param>
    /// <param name="http">The call.</param>
    /// <param name="expires">When the link stops working, in Unix seconds, as the link says.</param>
    /// <param name="signature">The link's signature, as the link says.</param>
    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Get(
        [FromRoute(Name = "request_id")] string requestId, VideoCustody custody, VideoLinks links, TimeProvider clock, HttpContext http, string? expires = null, string? signature = null)
    {
        // A request id of the wrong shape was never signed.
        var check = RequestIds.IsValid(requestId) ? await links.CheckAsync(requestId, expires, signature) : LinkCheck.Forged;
        if (check == LinkCheck.Forged)
        {
            return VideoLinkInvalid.AsProblem().ToResult(http);
        }

        if (check == LinkCheck.Expired)
        {
            return VideoLinkExpired.AsProblem().ToResult(http);
        }

        if (await custody.OpenAsync(requestId, http.RequestAborted) is not var (video, content))
        {
            return VideoNotKept.With($"The gateway keeps no video for remix '{requestId}': it was deleted, or its retention ended.").ToResult(http);
        }

        // Private: the link is a credential of its own, not for shared caches; never longer than the link works.
        var seconds = Math.Max(0, long.Parse(expires!, System.Globalization.CultureInfo.InvariantCulture) - clock.GetUtcNow().ToUnixTimeSeconds());
        http.Response.Headers.CacheControl = $"private, max-age={seconds}";
        return TypedResults.Stream(content, video.ContentType, lastModified: video.KeptAt, entityTag: new EntityTagHeaderValue($"\"{video.Sha256}\""), enableRangeProcessing: true);
    }
}
