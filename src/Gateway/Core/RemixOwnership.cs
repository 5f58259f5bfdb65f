using Gateway.Problems;
using Gateway.State;

namespace Gateway.Core;

/// <summary>A remix is seen only by the caller that submitted it: for anyone else it does not exist.</summary>
internal sealed class RemixOwnership(RemixOwners owners)
{
    /// <summary>Null when the caller owns the remix; otherwise the same 404 as for a remix that does not exist, before Sunra is asked.</summary>
    public async Task<Problem?> RefusalAsync(string requestId, string caller) =>
        await owners.OwnerOfAsync(requestId) == caller ? null : ProblemCatalog.NotFound(requestId);

    /// <summary>True when the check costs the store nothing: this replica knows the remix's owner.</summary>
    public bool IsKnown(string requestId) => owners.IsKnown(requestId);
}
