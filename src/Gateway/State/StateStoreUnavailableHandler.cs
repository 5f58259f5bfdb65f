using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.Diagnostics;

namespace Gateway.State;

/// <summary>
/// The state store is down: answer 503 with a short Retry-After, never act without the records (a
/// remix whose owner cannot be written would be spend nobody can find).
/// </summary>
internal sealed partial class StateStoreUnavailableHandler(ILogger<StateStoreUnavailableHandler> logger) : IExceptionHandler
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static Problem Problem { get; } = ProblemCatalog.StateUnavailable.AsProblem() with { RetryAfter = RetryAfter };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not StateStoreUnavailableException || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(exception.InnerException?.Message ?? exception.Message);
        await Problem.WriteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The state store cannot be reached: {Reason}")]
    private partial void LogUnavailable(string reason);
}
