using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core;

/// <summary>Where a remix stands in Sunra's queue.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RemixState>))]
public enum RemixState
{
    /// <summary>Waiting for a worker; <c>queue_position</c> says how many are ahead.</summary>
    [JsonStringEnumMemberName("IN_QUEUE")]
    InQueue,

    /// <summary>Being generated.</summary>
    [JsonStringEnumMemberName("IN_PROGRESS")]
    InProgress,

    /// <summary>Finished: <c>success</c> says whether there is a video, <c>error</c> why not.</summary>
    [JsonStringEnumMemberName("COMPLETED")]
    Completed,

    /// <summary>Canceled before it completed.</summary>
    [JsonStringEnumMemberName("CANCELED")]
    Canceled,
}

public static class RemixStates
{
    // The names its JSON carries, read once from the enum's own converter rather than written again.
    private static readonly string[] WireNames =
        [.. Enum.GetValues<RemixState>().Select(state => JsonSerializer.Serialize(state, CoreJsonContext.Default.RemixState).Trim('"'))];

    /// <summary>The state as the wire says it (<c>IN_QUEUE</c>), for the shapes that carry it as text.</summary>
    public static string WireName(this RemixState state) => WireNames[(int)state];
}
