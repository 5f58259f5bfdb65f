using Gateway.Core.Custody;
using Gateway.Problems;
using Gateway.State;

namespace Gateway.Core;

/// <summary>
/// Forgets a caller's remix: its record, its kept video, and everything the gateway kept to answer for it
/// (owner, kept status, result), on every replica. A remix still in Sunra's queue or running is refused: it must be
/// canceled first (<see cref="ProblemCatalog.RemixRunning"/>), so that a delete never spends a call
/// that may fail halfway, nor forgets a remix whose end (and cost) is not known yet.
/// </summary>
internal sealed class RemixDeletions(
    RemixOwnership ownership, RemixStatuses statuses, StatusPolls polls, RemixRecords records, RemixOwners owners, RemixEvictions evictions, VideoCustody custody)
{
    /// <summary>Null once the remix is forgotten; otherwise why not (404 as for any remix not the caller's, 409 while running).</summary>
    public async Task<Problem?> DeleteAsync(string requestId, string caller, CancellationToken cancellationToken)
    {
        if (await ownership.RefusalAsync(requestId, caller) is { } refusal)
        {
            return refusal;
        }

        var status = await statuses.ReadWithoutOwnershipCheckAsync(requestId, logs: false, cancellationToken);
        if (status.Failed)
        {
            return status.Problem;
        }

        if (!status.Value.IsFinal)
        {
            return ProblemCatalog.StillRunning(requestId, status.Value.Status.WireName());
        }

        // The video goes first and the owner last: should the storage or the store fail halfway, the
        // caller can still delete again.
        await custody.ForgetAsync(requestId);
        await Task.WhenAll(records.ForgetAsync(requestId, caller), statuses.ForgetResultAsync(requestId), polls.ForgetAsync(requestId));
        await owners.ForgetAsync(requestId);
        await evictions.AnnounceAsync(requestId);
        return null;
    }
}
