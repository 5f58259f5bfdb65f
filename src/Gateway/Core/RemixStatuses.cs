using Gateway.Core.Custody;
using Gateway.Problems;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// A remix's status and result for every door, so that Sunra sees about one status call per remix per
/// poll interval however many callers poll or watch it, and the account's budget is spent evenly:
/// <list type="bullet">
/// <item>the latest status Sunra reported is kept in the state store, with when it was seen, and
/// answers at once while fresh; a stale one starts the remix's one poll (<see cref="StatusPolls"/>) at
/// the pace the budget allows (<see cref="PollCadence"/>);</item>
/// <item>a final status (COMPLETED, CANCELED) and the result are kept as long as the remix's owner
/// record (<see cref="RecordsOptions.FactsRetention"/>): once done, reads no longer reach Sunra.</item>
/// </list>
/// A status with logs is asked of Sunra each time: logs are not kept.
/// </summary>
internal sealed class RemixStatuses(
    RemixOwnership ownership,
    SunraQueueClient sunra,
    StatusPolls polls,
    PollCadence cadence,
    FinalFacts finals,
    KeptResults results,
    VideoCustody custody)
{
    /// <summary>
    /// The caller's remix's status. When this replica knows neither the remix's owner nor its final
    /// status, both the owner and the kept status are asked of the store at once (one round trip); the
    /// status is used, and Sunra polled, only once the owner is the caller.
    /// </summary>
    public async Task<Outcome<RemixStatus>> GetAsync(string requestId, string caller, bool logs, CancellationToken cancellationToken)
    {
        var peeked = logs || ownership.IsKnown(requestId) || finals.FinalStatusOf(requestId) is not null ? null : polls.PeekAsync(requestId);
        if (await ownership.RefusalAsync(requestId, caller) is { } refusal)
        {
            if (peeked is not null)
            {
                await peeked;
            }

            return refusal;
        }

        return logs ? await ReadWithoutOwnershipCheckAsync(requestId, logs: true, cancellationToken) : await polls.ReadAsync(requestId, peeked, cancellationToken);
    }

    /// <summary>
    /// The caller's remix's result: its video, or why there is none (not finished, failed, canceled),
    /// or the problem that stopped the read. When a remix has a video is decided here for every door,
    /// which only words the answer.
    /// </summary>
    public async Task<ResultRead> ReadResultAsync(string requestId, string caller, CancellationToken cancellationToken)
    {
        return await ownership.RefusalAsync(requestId, caller) is { } refusal
            ? ResultRead.Refused(refusal)
            : await ReadResultWithoutOwnershipCheckAsync(requestId, cancellationToken);
    }

    /// <summary>
    /// A remix's result for the gateway's own background work, which acts for the owner it recorded
    /// itself (webhook delivery): no ownership check, so that an owner record still waiting for the
    /// store cannot make a paid remix look unknown. Never for a caller's request.
    /// </summary>
    public async Task<ResultRead> ReadResultWithoutOwnershipCheckAsync(string requestId, CancellationToken cancellationToken)
    {
        var status = await ReadWithoutOwnershipCheckAsync(requestId, logs: false, cancellationToken);
        if (status.Failed)
        {
            return ResultRead.Refused(status.Problem);
        }

        switch (status.Value)
        {
            case { Status: RemixState.Canceled }:
                return new ResultRead(ResultKind.Canceled, status.Value, null, null);
            case { Status: RemixState.Completed, Success: false }:
                return new ResultRead(ResultKind.Failed, status.Value, null, null);
            case { Status: not RemixState.Completed }:
                return new ResultRead(ResultKind.NotFinished, status.Value, null, null) { RetryAfter = cadence.Interval };
        }

        var result = await GetResultAsync(requestId, cancellationToken);
        return result.Failed
            ? ResultRead.Refused(result.Problem)
            : new ResultRead(ResultKind.Video, status.Value, await custody.PresentAsync(requestId, result.Value), null) { SunraVideo = result.Value.Video };
    }

    /// <summary>
    /// The status without asking whose remix it is: only for a reader that already asked
    /// (<see cref="StatusFollower"/> after its first, checked, read).
    /// </summary>
    internal async Task<Outcome<RemixStatus>> ReadWithoutOwnershipCheckAsync(string requestId, bool logs, CancellationToken cancellationToken)
    {
        if (logs)
        {
            var withLogs = await sunra.GetStatusAsync(requestId, logs: true, cancellationToken);
            return withLogs.Failed ? withLogs.FailedAs<RemixStatus>() : StatusOf(requestId, withLogs.Value);
        }

        return await polls.ReadAsync(requestId, cancellationToken);
    }

    private async Task<Outcome<KeptResult>> GetResultAsync(string requestId, CancellationToken cancellationToken)
    {
        if (await results.FindAsync(requestId) is { } kept)
        {
            return kept;
        }

        var file = await sunra.GetResultAsync(requestId, cancellationToken);
        if (file.Failed)
        {
            return file.FailedAs<KeptResult>();
        }

        var video = new RemixVideo { ContentType = file.Value.ContentType, FileName = file.Value.FileName, FileSize = file.Value.FileSize, Url = file.Value.Url };
        await results.KeepAsync(requestId, video);
        return new KeptResult { Video = video };
    }

    /// <summary>Removes the kept result of a deleted remix.</summary>
    public Task ForgetResultAsync(string requestId) => results.ForgetAsync(requestId);

    /// <summary>
    /// A status as the gateway tells it: a queue position only while queued, and a COMPLETED that
    /// always says whether there is a video (without Sunra's word on it, there is one unless Sunra
    /// reported an error), with its error and metrics.
    /// </summary>
    internal static RemixStatus StatusOf(string requestId, SunraStatusReport report)
    {
        var state = StateOf(report.State);
        var completed = state == RemixState.Completed;
        return new RemixStatus
        {
            RequestId = requestId,
            Status = state,
            QueuePosition = state == RemixState.InQueue ? report.QueuePosition : null,
            Logs = report.Logs,
            Success = completed ? report.Success ?? report.Error is null : null,
            Error = completed ? report.Error : null,
            Metrics = completed ? new RemixMetrics { InferenceTime = report.InferenceTime } : null,
        };
    }

    internal static RemixState StateOf(SunraQueueState state) => state switch
    {
        SunraQueueState.InQueue => RemixState.InQueue,
        SunraQueueState.InProgress => RemixState.InProgress,
        SunraQueueState.Completed => RemixState.Completed,
        _ => RemixState.Canceled,
    };
}
