using System.Text.Json;
using Gateway.State;
using Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Custody;

/// <summary>
/// Remixes' results as the state store keeps them (<c>result:{request_id}</c>, a <see cref="KeptResult"/>),
/// for as long as the remix's record, and in this replica's memory once settled: a result whose video is
/// kept (or that custody will never keep) never changes again.
/// </summary>
internal sealed class KeptResults(IStateStore store, FinalFacts finals, IOptions<RemixOptions> options, IOptions<CustodySettings> custody)
{
    /// <summary>The kept result, or null when the store has none (or is away).</summary>
    public async Task<KeptResult?> FindAsync(string requestId)
    {
        if (finals.ResultOf(requestId) is { } known)
        {
            return known;
        }

        var kept = await store.TryGetAsync(Key(requestId), CoreJsonContext.Default.KeptResult);
        if (kept is not null)
        {
            Remember(requestId, kept);
        }

        return kept;
    }

    /// <summary>The kept result, or null when the store has none; throws <see cref="StateStoreUnavailableException"/> when the store is away.</summary>
    public async Task<KeptResult?> ReadAsync(string requestId)
    {
        if (finals.ResultOf(requestId) is { } known)
        {
            return known;
        }

        try
        {
            return await store.GetAsync(Key(requestId)) is { } json ? JsonSerializer.Deserialize(json, CoreJsonContext.Default.KeptResult) : null;
        }
        catch (JsonException)
        {
            // Kept by another version in a shape this one cannot read: as if there were none.
            return null;
        }
    }

    /// <summary>Keeps the result Sunra gave, before any copy.</summary>
    public async Task KeepAsync(string requestId, RemixVideo video)
    {
        var result = new KeptResult { Video = video };
        Remember(requestId, result);
        await store.TryKeepAsync(Key(requestId), result, CoreJsonContext.Default.KeptResult, options.Value.Records.FactsRetention);
    }

    /// <summary>Notes the gateway's copy of the video in the kept result; false when there is no result any more (the remix was deleted).</summary>
    public async Task<bool> NoteKeptAsync(string requestId, KeptVideo video)
    {
        if (await store.GetAsync(Key(requestId)) is not { } json)
        {
            return false;
        }

        var kept = JsonSerializer.Deserialize(json, CoreJsonContext.Default.KeptResult)! with { Kept = video };
        if (!await store.ReplaceAsync(Key(requestId), json, JsonSerializer.Serialize(kept, CoreJsonContext.Default.KeptResult), options.Value.Records.FactsRetention))
        {
            return false;
        }

        Remember(requestId, kept);
        return true;
    }

    /// <summary>Takes the gateway's copy out of the kept result (its retention ended): the result answers Sunra's URL again.</summary>
    public async Task ForgetKeptAsync(string requestId)
    {
        finals.Forget(requestId);
        if (await store.GetAsync(Key(requestId)) is { } json
            && JsonSerializer.Deserialize(json, CoreJsonContext.Default.KeptResult) is { Kept: not null } kept)
        {
            await store.ReplaceAsync(Key(requestId), json, JsonSerializer.Serialize(kept with { Kept = null }, CoreJsonContext.Default.KeptResult), options.Value.Records.FactsRetention);
        }
    }

    /// <summary>Removes the kept result of a deleted remix.</summary>
    public Task ForgetAsync(string requestId) => store.RemoveAsync(Key(requestId));

    // Until its video is kept, a result may still change (custody notes its copy): it is read from the store.
    private void Remember(string requestId, KeptResult result)
    {
        if (result.Kept is not null || !custody.Value.Custody.Enabled)
        {
            finals.Remember(requestId, result);
        }
    }

    private static string Key(string requestId) => "result:" + requestId;
}
