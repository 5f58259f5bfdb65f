namespace Sunra.Emulator;

/// <summary>Where a request stands in the emulated queue.</summary>
public enum QueueState
{
    InQueue,
    InProgress,
    Completed,
    Canceled,
}

/// <summary>One accepted submit: its input, its timeline and how it ends.</summary>
public sealed class EmulatedRequest
{
    internal EmulatedRequest(string id, string endpointId, string videoId, string prompt, DateTimeOffset submittedAt, GenerationError? failure, Uri? webhook = null)
    {
        Id = id;
        EndpointId = endpointId;
        VideoId = videoId;
        Prompt = prompt;
        SubmittedAt = submittedAt;
        Failure = failure;
        Webhook = webhook;
    }

    public string Id { get; }

    public string EndpointId { get; }

    public string VideoId { get; }

    public string Prompt { get; }

    public DateTimeOffset SubmittedAt { get; }

    /// <summary>Set when the generation is scripted to fail; it then completes with <c>success: false</c>.</summary>
    public GenerationError? Failure { get; }

    /// <summary>Where Sunra POSTs the outcome when the request ends, as the submit named it; null for none.</summary>
    public Uri? Webhook { get; }

    public DateTimeOffset? CanceledAt { get; internal set; }

    public string FileName => $"{Id}.mp4";
}
