using Gateway.Problems;

namespace Gateway.Sunra;

// What the Sunra client reports: Sunra's facts about a request, checked and redacted, in no door's
// words and with no door's links.

/// <summary>Where a request stands in Sunra's queue.</summary>
public enum SunraQueueState
{
    InQueue,
    InProgress,
    Completed,
    Canceled,
}

/// <summary>A request Sunra accepted: a paid generation.</summary>
public sealed record SunraAccepted(string RequestId, SunraQueueState State, int? QueuePosition);

/// <summary>A request's status as Sunra reported it.</summary>
public sealed record SunraStatusReport(
    SunraQueueState State, int? QueuePosition, string? Logs, bool? Success, GenerationFailure? Error, double? InferenceTime);

/// <summary>A generated file in Sunra's storage.</summary>
public sealed record SunraVideoFile(string ContentType, string FileName, long FileSize, string Url);

/// <summary>Sunra took a cancellation.</summary>
public sealed record SunraCancellation(string RequestId);
