using System.Threading.RateLimiting;
using Gateway.Hosting;
using Gateway.Problems;
using Gateway.State;
using Microsoft.AspNetCore.RateLimiting;

namespace Gateway.Callers;

/// <summary>The rate-limiting policies of the routes, one partition per caller, counted across replicas.</summary>
public static class CallerPolicies
{
    /// <summary>Submits per minute (<c>SubmitsPerMinute</c>).</summary>
    public const string Submit = "submit";

    /// <summary>Status, result and cancel per minute (<c>ReadsPerMinute</c>).</summary>
    public const string Read = "read";

    /// <summary>
    /// Status reads: answered from the status the gateway keeps, so they cost Sunra nothing and are not
    /// refused for their rate (Sunra's own clients poll every 100 ms and give up on a 429); a status with
    /// logs, which is asked of Sunra, counts against <c>ReadsPerMinute</c>.
    /// </summary>
    public const string Status = "status";

    /// <summary>Event streams: opened within <c>ReadsPerMinute</c>, at most <c>ConcurrentStreams</c> open at once on a replica.</summary>
    public const string Events = "events";

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    internal static IServiceCollection AddCallerPolicies(this IServiceCollection services)
    {
        services.AddSingleton<CallerWindows>();
        services.AddSingleton<SubmitQuota>();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(Submit, http => PerMinute(http, Submit, caller => caller.SubmitsPerMinute));
            options.AddPolicy(Read, http => PerMinute(http, Read, caller => caller.ReadsPerMinute));
            options.AddPolicy(Events, Streams);
            options.AddPolicy(Status, http => AsksForLogs(http.Request) ? PerMinute(http, Read, caller => caller.ReadsPerMinute) : RateLimitPartition.GetNoLimiter(""));
            options.OnRejected = (context, cancellationToken) => new ValueTask(Rejection(context.Lease).WriteAsync(context.HttpContext));
        });
        return services;
    }

    /// <summary>
    /// How long a caller with as many event streams open as it may is told to wait: a stream frees
    /// its place only when it ends, which no window says, so the caller is asked to come back soon.
    /// </summary>
    private static readonly TimeSpan OpenStreamsRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The answer to a refused request: the store was away, the caller ran into a window (with the wait
    /// and the limit the lease names), or it has as many event streams open as it may.
    /// </summary>
    private static Problem Rejection(RateLimitLease lease)
    {
        if (lease.TryGetMetadata(SharedWindowLimiter.StoreUnavailable, out var storeUnavailable) && storeUnavailable)
        {
            return StateStoreUnavailableHandler.Problem;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? ProblemCatalog.RateLimited.AsProblem() with { RetryAfter = wait, Limit = lease.TryGetMetadata(SharedWindowLimiter.Limit, out var limit) ? limit : null }
            : ProblemCatalog.RateLimited.With("This caller has as many event streams open as it may (ConcurrentStreams). Close one, or try again after the Retry-After delay.") with
            {
                RetryAfter = OpenStreamsRetryAfter,
            };
    }

    // The routes that use these policies require an authenticated caller, so the name is known here.
    private static RateLimitPartition<string> PerMinute(HttpContext http, string policy, Func<Caller, int> limit) =>
        CallerOf(http) is { } caller
            ? RateLimitPartition.Get(caller.Name, name => MinuteWindow(http, $"{policy}:{name}", limit(caller)))
            : RateLimitPartition.GetNoLimiter("");

    // Streams are opened within the caller's read window. A stream is a connection held by one
    // replica, so the number open at once is counted by the replica that holds them.
    private static RateLimitPartition<string> Streams(HttpContext http) =>
        CallerOf(http) is { } caller
            ? RateLimitPartition.Get(caller.Name, name => RateLimiter.CreateChained(
                MinuteWindow(http, $"{Read}:{name}", caller.ReadsPerMinute),
                new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = caller.ConcurrentStreams, QueueLimit = 0 })))
            : RateLimitPartition.GetNoLimiter("");

    // Both doors' spellings: ?logs=true on /remix, ?logs=1 on /v1.
    private static bool AsksForLogs(HttpRequest request) =>
        request.Query["logs"].ToString() is var logs && (logs == "1" || (bool.TryParse(logs, out var asked) && asked));

    private static SharedWindowLimiter MinuteWindow(HttpContext http, string counter, int permits) =>
        new(http.RequestServices.GetRequiredService<CallerWindows>(), counter, permits, Minute);

    private static Caller? CallerOf(HttpContext http) =>
        http.RequestServices.GetRequiredService<CallerDirectory>().Named(http.User.Identity?.Name);
}
