using System.Net;
using Sunra.Protocol;

namespace Gateway.Sunra;

/// <summary>
/// Spends the account's budget (<see cref="AccountBudget"/>) on each attempt of each call: inside the
/// resilience pipeline, so that a retry needs a permit of its own, and outside the key handler. A call
/// without a permit, or of a kind Sunra has paused, is not sent. A 403 that is Sunra's throttle
/// (it carries rate-limit headers, or it refused the call that took the last permit of a window) pauses
/// the calls of its kind for the wait Sunra names; it is thrown as <see cref="SunraAccountRefusal"/>,
/// so it never reads as refused credentials and never counts towards opening the circuit.
/// </summary>
internal sealed class SunraBudgetHandler(AccountBudget budget) : DelegatingHandler
{
    private static readonly string[] RateLimitHeaders = [SunraAccountLimits.LimitHeader, SunraAccountLimits.RemainingHeader, SunraAccountLimits.ResetHeader];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var kind = SunraCallKinds.Of(request);
        var permit = await budget.TakeAsync(kind, cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Forbidden)
        {
            budget.Answered();
            return response;
        }

        if (!IsThrottle(response, permit.Remaining))
        {
            return response;
        }

        var pause = await budget.PauseAsync(kind, SunraResilience.RequestedWait(response.Headers));
        response.Dispose();
        throw new SunraAccountRefusal(AccountRefusalReason.Throttled, pause);
    }

    /// <summary>
    /// Sunra answers 403 both to a refused key and over its limits; the rate-limit headers tell them
    /// apart. Without them, a 403 to the call that took the budget's last permit is a throttle too.
    /// </summary>
    internal static bool IsThrottle(HttpResponseMessage response, int remaining) =>
        response.StatusCode == HttpStatusCode.Forbidden
        && (remaining <= 0 || RateLimitHeaders.Any(header => response.Headers.Contains(header)));
}
