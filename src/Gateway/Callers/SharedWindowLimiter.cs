using System.Threading.RateLimiting;
using Gateway.State;

namespace Gateway.Callers;

/// <summary>
/// ASP.NET Core's rate limiter over <see cref="CallerWindows"/>: the middleware, its policies and its
/// rejection answer stay as they are, with the counting shared by the replicas. The count lives in
/// the store, so there is nothing to decide synchronously: <see cref="AttemptAcquireCore"/> defers,
/// and the middleware then awaits <see cref="AcquireAsyncCore"/>.
/// </summary>
internal sealed class SharedWindowLimiter(CallerWindows windows, string counter, int limit, TimeSpan window) : RateLimiter
{
    /// <summary>Set on a refusal that came from the store being away, not from the limit.</summary>
    public static readonly MetadataName<bool> StoreUnavailable = new("gateway.state-unavailable");

    /// <summary>The limit a refused request ran into.</summary>
    public static readonly MetadataName<int> Limit = new("gateway.limit");

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => Lease.Deferred;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (permitCount == 0)
        {
            return Lease.Granted;
        }

        try
        {
            var permit = await windows.TakeAsync(counter, limit, window);
            return permit.Acquired ? Lease.Granted : new Lease(false, permit.UntilReset, storeUnavailable: false, limit);
        }
        catch (StateStoreUnavailableException)
        {
            return new Lease(false, StateStoreUnavailableHandler.RetryAfter, storeUnavailable: true, null);
        }
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter, bool storeUnavailable, int? limit) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null, false, null);
        public static readonly Lease Deferred = new(false, null, false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames
        {
            get
            {
                if (retryAfter is not null)
                {
                    yield return MetadataName.RetryAfter.Name;
                }

                if (storeUnavailable)
                {
                    yield return StoreUnavailable.Name;
                }

                if (limit is not null)
                {
                    yield return Limit.Name;
                }
            }
        }

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter
                : metadataName == StoreUnavailable.Name && storeUnavailable ? true
                : metadataName == Limit.Name ? limit
                : null;
            return metadata is not null;
        }
    }
}
