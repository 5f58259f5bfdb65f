using Gateway.Hosting;

namespace Gateway.Remix;

/// <summary>The problem answers about one remix, the same whichever part of the gateway finds them.</summary>
internal static class RemixProblems
{
    /// <summary>Unknown to the gateway, unknown to Sunra, or another caller's: all look alike.</summary>
    public static GatewayProblem NotFound(string requestId) =>
        new(StatusCodes.Status404NotFound, ProblemTypes.RemixNotFound, "No such remix", $"There is no remix with request_id '{requestId}'.");

    public static GatewayProblem Canceled(string requestId) =>
        new(StatusCodes.Status410Gone, ProblemTypes.RemixCanceled, "The remix was canceled", $"Remix '{requestId}' was canceled; it has no video.");

    public static GatewayProblem GenerationFailed(RemixError? error) =>
        new(StatusCodes.Status422UnprocessableEntity, ProblemTypes.GenerationFailed, "The generation failed", error?.Message ?? "Sunra completed the remix without a video.")
        {
            Extensions = new Dictionary<string, object?> { ["error_code"] = error?.Code },
        };
}
