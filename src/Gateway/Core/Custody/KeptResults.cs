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
    /// <summary>The kept result, or null when the store has none (or is away: a reader then asks Sunra).</summary>
    public async Task<KeptResult?> FindAsync(string requestId)
    {
        try
        {
            return await ReadAsync(requestId);
        }
        catch (StateStoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The kept result, or null when the store has none; throws <see cref="StateStoreUnavailableException"/> when the store is away.</summary>
    public async Task<KeptResult?> ReadAsync(string requestId)
    {
        if (finals.ResultOf(requestId) is { } known)
        {
            return known;
        }

        KeptResult? kept;
        try
        {
            kept = await store.GetAsync(Key(requestId)) is { } json ? JsonSerializer.Deserialize(json, CoreJsonContext.Default.KeptResult) : null;
        }
        catch (JsonException)
        {
            // Kept by another version in a shape this one cannot read: as if there were none.
            return null;
        }

        if (kept is not null)
        {
            Remember(requestId, kept);
        }

        return kept;
    }

    /// <summary>
    /// Keeps the result Sunra gave, unless one is kept already: a reader that found none (the store away
    /// a moment) must never write over the gateway's copy that custody noted meanwhile.
    /// </summary>
    public async Task KeepAsync(string requestId, RemixVideo video)
    {
        var result = new KeptResult { Video = video };
        try
        {
            if (await store.AddAsync(Key(requestId), JsonSerializer.Serialize(result, CoreJsonContext.Default.KeptResult), options.Value.Records.FactsRetention))
            {
                Remember(requestId, result);
            }
        }
        catch (StateStoreUnavailableException)
        {
            // Asked of Sunra again next time.
        }
    }

    /// <summary>Notes the gateway's copy of the video in the kept result, writing the result too when the store has lost it.</summary>
    public async Task NoteKeptAsync(string requestId, RemixVideo video, KeptVideo copy)
    {
        var kept = new KeptResult { Video = video, Kept = copy };
        var json = JsonSerializer.Serialize(kept, CoreJsonContext.Default.KeptResult);
        if (await store.GetAsync(Key(requestId)) is not { } before
            || !await store.ReplaceAsync(Key(requestId), before, json, options.Value.Records.FactsRetention))
        {
            // None, or changed in between: Sunra's video does not change, so the copy's result is the whole truth.
            await store.SetAsync(Key(requestId), json, options.Value.Records.FactsRetention);
        }

        Remember(requestId, kept);
    }

    /// <summary>Keeps a result that will never change again in this replica's memory (a copy given up).</summary>
    public void Settle(string requestId, KeptResult result) => finals.Remember(requestId, result);

    /// <summary>Drops what this replica remembers of a result (its kept video is gone).</summary>
    public void Unsettle(string requestId) => finals.Forget(requestId);

    /// <summary>Takes the gateway's copy out of the kept result (its retention ended): the result answers Sunra's URL again.</summary>
    public async Task ForgetKeptAsync(string requestId)
    {
        finals.Forget(requestId);
        try
        {
            if (await store.GetAsync(Key(requestId)) is { } json
                && JsonSerializer.Deserialize(json, CoreJsonContext.Default.KeptResult) is { Kept: not null } kept)
            {
                await store.ReplaceAsync(Key(requestId), json, JsonSerializer.Serialize(kept with { Kept = null }, CoreJsonContext.Default.KeptResult), options.Value.Records.FactsRetention);
            }
        }
        catch (JsonException)
        {
            // Another version's shape: its own retention removes it.
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
