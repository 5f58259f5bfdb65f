namespace Gateway.State;

/// <summary>Which caller submitted which remix: a remix is visible to its owner only.</summary>
public sealed class RemixOwners(IStateStore store)
{
    /// <summary>Long enough for any Sora job to finish and its result to be fetched.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public Task RecordAsync(string requestId, string caller) => store.SetAsync(Key(requestId), caller, Retention);

    /// <summary>The caller that submitted the remix, or null when the gateway does not know it.</summary>
    public Task<string?> OwnerOfAsync(string requestId) => store.GetAsync(Key(requestId));

    private static string Key(string requestId) => "owner:" + requestId;
}
