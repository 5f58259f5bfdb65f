using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.Diagnostics;

namespace Gateway.Storage;

/// <summary>The video storage is down: answer 503 with a short Retry-After, as for the state store.</summary>
internal sealed partial class VideoStorageUnavailableHandler(ILogger<VideoStorageUnavailableHandler> logger) : IExceptionHandler
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static Problem Problem { get; } = ProblemCatalog.StorageUnavailable.AsProblem() with { RetryAfter = RetryAfter };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not VideoStorageUnavailableException || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(exception.Message);
        await Problem.WriteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The video storage cannot be reached: {Reason}")]
    private partial void LogUnavailable(string reason);
}
