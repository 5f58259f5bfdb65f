using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.State;

namespace Gateway.Core;

/// <summary>Kept answers are an optimisation: when the store is away, Sunra is asked and nothing is kept.</summary>
internal static class KeptAnswers
{
    public static async Task<T?> TryGetAsync<T>(this IStateStore store, string key, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return await store.GetAsync(key) is { } json ? JsonSerializer.Deserialize(json, type) : null;
        }
        catch (Exception e) when (e is StateStoreUnavailableException or JsonException)
        {
            // Away, or kept by an older version in another shape: either way, a miss.
            return null;
        }
    }

    public static async Task TryKeepAsync<T>(this IStateStore store, string key, T value, JsonTypeInfo<T> type, TimeSpan timeToLive)
    {
        try
        {
            await store.SetAsync(key, JsonSerializer.Serialize(value, type), timeToLive);
        }
        catch (StateStoreUnavailableException)
        {
            // Asked of Sunra again next time.
        }
    }

    /// <summary>Gives a value that is still <paramref name="value"/> a new time to live.</summary>
    public static async Task TryReplaceAsync(this IStateStore store, string key, string value, TimeSpan timeToLive)
    {
        try
        {
            await store.ReplaceAsync(key, value, value, timeToLive);
        }
        catch (StateStoreUnavailableException)
        {
            // It runs out by itself.
        }
    }

    public static async Task TryForgetAsync(this IStateStore store, string key)
    {
        try
        {
            await store.ReplaceAsync(key, "", null, TimeSpan.Zero);
        }
        catch (StateStoreUnavailableException)
        {
            // It runs out by itself.
        }
    }
}
