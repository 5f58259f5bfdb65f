using System.Threading.RateLimiting;
using Gateway.Hosting;
using Gateway.State;
using Microsoft.AspNetCore.RateLimiting;

namespace Gateway.Callers;

/// <summary>The rate-limiting policies of the remix routes, one partition per caller, counted across replicas.</summary>
public static class CallerPolicies
{
    /// <summary>Submits per minute (<c>SubmitsPerMinute</c>).</summary>
    public const string Submit = "submit";

    /// <summary>Status, result and cancel per minute (<c>ReadsPerMinute</c>).</summary>
    public const string Read = "read";

    /// <summary>Event streams: opened within <c>ReadsPerMinute</c>, at most <c>ConcurrentStreams</c> open at once on a replica.</summary>
    public const string Events = "events";

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    internal static IServiceCollection AddCallerLimits(this IServiceCollection services)
    {
        services.AddSingleton<CallerWindows>();
        services.AddSingleton<SubmitQuota>();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(Submit, http => PerMinute(http, Submit, caller => caller.SubmitsPerMinute));
            options.AddPolicy(Read, http => PerMinute(http, Read, caller => caller.ReadsPerMinute));
            options.AddPolicy(Events, Streams);
            options.OnRejected = (context, cancellationToken) => new ValueTask(
                context.Lease.TryGetMetadata(SharedWindowLimiter.StoreUnavailable, out var storeUnavailable) && storeUnavailable
                    ? StateStoreUnavailableHandler.Problem.WriteAsync(context.HttpContext)
                    : Rejection(
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

    private static SharedWindowLimiter MinuteWindow(HttpContext http, string counter, int permits) =>
        new(http.RequestServices.GetRequiredService<CallerWindows>(), counter, permits, Minute);

    private static Caller? CallerOf(HttpContext http) =>
        http.RequestServices.GetRequiredService<CallerDirectory>().Named(http.User.Identity?.Name);
}

/// <summary>
/// The daily submit quota, the cost guard: a window per caller from 00:00 UTC, shared by the
/// replicas. It is taken just before Sunra is called, after validation and idempotency, and given
/// back when Sunra certainly sold nothing, so that only remixes that may have been bought count.
/// </summary>
public sealed class SubmitQuota(CallerWindows windows, CallerDirectory callers)
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public Task<WindowPermit> TakeAsync(string caller) =>
        windows.TakeAsync($"quota:{caller}", callers.Named(caller)?.DailySubmitQuota ?? 0, Day);

    public Task GiveBackAsync(WindowPermit permit) => windows.GiveBackAsync(permit);

    internal static GatewayProblem Exhausted(WindowPermit permit) =>
        new(
            StatusCodes.Status429TooManyRequests,
            ProblemTypes.QuotaExhausted,
            "Daily submit quota spent",
            "This caller has submitted as many remixes as its daily quota allows (the day starts at 00:00 UTC). Try again after the Retry-After delay.")
        {
            RetryAfter = permit.UntilReset,
        };
}
