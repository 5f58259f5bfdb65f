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
