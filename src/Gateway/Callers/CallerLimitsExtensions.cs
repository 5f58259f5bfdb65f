using System.Threading.RateLimiting;
using Gateway.Hosting;
using Microsoft.AspNetCore.RateLimiting;

namespace Gateway.Callers;

/// <summary>The rate-limiting policies of the remix routes, one partition per caller.</summary>
public static class CallerPolicies
{
    /// <summary>Submits per minute (<c>SubmitsPerMinute</c>).</summary>
    public const string Submit = "submit";

    /// <summary>Status, result and cancel per minute (<c>ReadsPerMinute</c>).</summary>
    public const string Read = "read";

    /// <summary>Event streams: opened within <c>ReadsPerMinute</c>, at most <c>ConcurrentStreams</c> open at once.</summary>
    public const string Events = "events";

    internal static IServiceCollection AddCallerLimits(this IServiceCollection services)
    {
        services.AddSingleton<SubmitQuota>();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(Submit, http => PerMinute(http, caller => caller.SubmitsPerMinute));
            options.AddPolicy(Read, http => PerMinute(http, caller => caller.ReadsPerMinute));
            options.AddPolicy(Events, Streams);
            options.OnRejected = (context, _) => new ValueTask(Rejection(
                context.Lease,
                ProblemTypes.RateLimited,
                "Too many requests",
                "This caller is over its rate limit. Try again after the Retry-After delay.").WriteAsync(context.HttpContext));
        });
        return services;
    }

    /// <summary>A 429 problem with the wait the lease names.</summary>
    internal static GatewayProblem Rejection(RateLimitLease lease, string type, string title, string detail) =>
        new(StatusCodes.Status429TooManyRequests, type, title, detail)
        {
            RetryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null,
        };

    // The routes that use these policies require an authenticated caller, so the name is known here.
    private static RateLimitPartition<string> PerMinute(HttpContext http, Func<Caller, int> limit) =>
        CallerOf(http) is { } caller
            ? RateLimitPartition.GetFixedWindowLimiter(caller.Name, _ => MinuteWindow(limit(caller)))
            : RateLimitPartition.GetNoLimiter("");

    // A stream holds its permit of the concurrency limiter for as long as it stays open.
    private static RateLimitPartition<string> Streams(HttpContext http) =>
        CallerOf(http) is { } caller
            ? RateLimitPartition.Get(caller.Name, _ => RateLimiter.CreateChained(
                new FixedWindowRateLimiter(MinuteWindow(caller.ReadsPerMinute)),
                new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = caller.ConcurrentStreams, QueueLimit = 0 })))
            : RateLimitPartition.GetNoLimiter("");

    private static Caller? CallerOf(HttpContext http) =>
        http.RequestServices.GetRequiredService<CallerDirectory>().Named(http.User.Identity?.Name);

    private static FixedWindowRateLimiterOptions MinuteWindow(int permits) =>
        new() { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 };
}

/// <summary>
/// The daily submit quota, the cost guard: a one-day fixed window per caller. It is taken after
/// validation, so a refused request costs no quota.
/// </summary>
public sealed class SubmitQuota : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SubmitQuota(CallerDirectory callers)
    {
        _limiter = PartitionedRateLimiter.Create<string, string>(name => RateLimitPartition.GetFixedWindowLimiter(name, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = callers.Named(name)?.DailySubmitQuota ?? 0,
            Window = TimeSpan.FromDays(1),
            QueueLimit = 0,
        }));
    }

    public RateLimitLease Take(string caller) => _limiter.AttemptAcquire(caller);

    public void Dispose() => _limiter.Dispose();

    internal static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        using var lease = http.RequestServices.GetRequiredService<SubmitQuota>().Take(http.User.Identity?.Name ?? "");
        return lease.IsAcquired
            ? await next(context)
            : CallerPolicies.Rejection(
                lease,
                ProblemTypes.QuotaExhausted,
                "Daily submit quota spent",
                "This caller has submitted as many remixes as its daily quota allows. Try again after the Retry-After delay.").ToResult(http);
    }
}
