using Gateway.Problems;
using Sunra.Protocol;
using ExecutionRejectedException = Polly.ExecutionRejectedException;
using Refit;

namespace Gateway.Sunra;

/// <summary>
/// The one place that calls Sunra. Each call goes through the Refit interface (with its key handler
/// and resilience pipeline), is counted, and comes back as Sunra's facts
/// (<see cref="SunraAnswers"/>) or as the problem to answer with (<see cref="SunraFailures"/>).
/// Nothing Sunra says reaches a caller without passing through here and the key redactor.
/// </summary>
internal sealed class SunraQueueClient(ISunraQueueApi api, AccountBudget budget, SunraAnswers answers, SunraFailures failures, SunraCallMetrics metrics)
{
    /// <summary>The one model the gateway fronts.</summary>
    public const string EndpointId = SunraEndpoints.VideoToVideo;

    /// <param name="videoId">The video to remix.</param>
    /// <param name="prompt">The new prompt.</param>
    /// <param name="callback">The URL Sunra calls back when the remix ends, if any.</param>
    /// <param name="cancellationToken">The call's.</param>
    public Task<Outcome<SunraAccepted>> SubmitAsync(string videoId, string prompt, Uri? callback, CancellationToken cancellationToken) =>
        CallAsync(SunraQueueCall.Submit, null, ct => api.SubmitAsync(EndpointId, new SunraVideoToVideoInput(videoId, prompt), callback?.AbsoluteUri, ct), answers.Accepted, cancellationToken);

    /// <remarks>
    /// A poll (without logs, and not urgent) that the budget is known to hold back is refused as the
    /// budget would refuse it, without building the call.
    /// </remarks>
    public Task<Outcome<SunraStatusReport>> GetStatusAsync(string requestId, bool logs, CancellationToken cancellationToken) =>
        !logs && !SunraCallKinds.StatusIsUrgent && budget.PollHeldBack() is { } heldBack
            ? Task.FromResult(Refused<SunraStatusReport>(SunraQueueCall.Status, heldBack))
            : CallAsync(SunraQueueCall.Status, requestId, ct => api.GetStatusAsync(requestId, logs ? 1 : 0, ct), answers.Status, cancellationToken);

    public Task<Outcome<SunraVideoFile>> GetResultAsync(string requestId, CancellationToken cancellationToken) =>
        CallAsync(SunraQueueCall.Result, requestId, ct => api.GetResultAsync(requestId, ct), answers.Result, cancellationToken);

    public Task<Outcome<SunraCancellation>> CancelAsync(string requestId, CancellationToken cancellationToken) =>
        CallAsync(SunraQueueCall.Cancel, requestId, ct => api.CancelAsync(requestId, ct), _ => new SunraCancellation(requestId), cancellationToken);

    private async Task<Outcome<T>> CallAsync<TReply, T>(
        SunraQueueCall operation,
        string? requestId,
        Func<CancellationToken, Task<IApiResponse<TReply>>> call,
        Func<TReply, T?> read,
        CancellationToken cancellationToken)
        where T : class
    {
        IApiResponse<TReply> response;
        try
        {
            response = await call(cancellationToken);
        }
        catch (SunraAccountRefusal refusal)
        {
            return Refused<T>(operation, refusal);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ExecutionRejectedException)
        {
            metrics.Call(operation, null);
            return failures.NoAnswer<T>(operation, e, cancellationToken);
        }

        using (response)
        {
            if (!response.IsReceived && response.Error?.InnerException is SunraAccountRefusal wrapped)
            {
                return Refused<T>(operation, wrapped);
            }

            metrics.Call(operation, response.IsReceived ? (int)response.StatusCode! : null);
            if (!response.IsReceived)
            {
                return failures.NoAnswer<T>(operation, response.Error?.InnerException ?? response.Error, cancellationToken);
            }

            if (response.IsSuccessful && response.Content is { } content && read(content) is { } value)
            {
                return value;
            }

            return response.IsSuccessStatusCode
                ? failures.Unreadable<T>(operation, (int)response.StatusCode!)
                : failures.Refused<T>(operation, requestId, response);
        }
    }

    // A throttle Sunra answered is a call (a 403) and a throttle; a call the budget held back is neither.
    private Outcome<T> Refused<T>(SunraQueueCall operation, SunraAccountRefusal refusal)
        where T : class
    {
        if (refusal.ReachedSunra)
        {
            metrics.Call(operation, 403);
            metrics.Throttled(operation);
        }
        else
        {
            metrics.NotSent(operation, refusal.Reason);
        }

        return failures.AccountRefusal<T>(operation, refusal);
    }
}

/// <summary>The calls of Sunra's queue protocol, as metrics and logs name them.</summary>
internal enum SunraQueueCall
{
    Submit,
    Status,
    Result,
    Cancel,
}
