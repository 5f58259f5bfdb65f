using Gateway.Problems;
using Gateway.Sunra;

namespace Gateway.Core;

/// <summary>Asks Sunra to cancel a caller's remix; its status shows CANCELED once Sunra has done it.</summary>
internal sealed class RemixCancellations(RemixOwnership ownership, SunraQueueClient sunra)
{
    /// <summary>The remix's id once Sunra took the cancellation, or why not (409 when it already completed).</summary>
    public async Task<Outcome<string>> CancelAsync(string requestId, string caller, CancellationToken cancellationToken)
    {
        if (await ownership.RefusalAsync(requestId, caller) is { } refusal)
        {
            return refusal;
        }

        var canceled = await sunra.CancelAsync(requestId, cancellationToken);
        return canceled.Failed ? canceled.FailedAs<string>() : canceled.Value.RequestId;
    }
}
