namespace Sunra.Emulator;

/// <summary>How a webhook callback went.</summary>
public enum WebhookOutcome
{
    /// <summary>An attempt was answered with a 2xx.</summary>
    Delivered,

    /// <summary>Every attempt failed: no answer, or one that is not a 2xx.</summary>
    Failed,

    /// <summary>Lost as the test asked (<see cref="EmulatorScript.DropWebhooks"/>): never sent.</summary>
    Dropped,
}

/// <summary>One webhook callback the emulator owed when a request ended, and how it went.</summary>
/// <param name="RequestId">The request that ended.</param>
/// <param name="Url">Where the callback went, as the submit named it.</param>
/// <param name="Body">The JSON POSTed (or that would have been, for a dropped one).</param>
/// <param name="Outcome">Delivered, failed after every attempt, or dropped.</param>
public sealed record WebhookCallback(string RequestId, Uri Url, byte[] Body, WebhookOutcome Outcome)
{
    /// <summary>How many POSTs were made: none for a dropped callback.</summary>
    public int Attempts { get; init; }

    /// <summary>The status of the last attempt's answer; null when it got none (refused, timed out) or none was made.</summary>
    public int? LastStatus { get; init; }

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// The webhook callbacks the emulator owed, oldest outcome first, while <see cref="EmulatorOptions.RecordCalls"/>
/// is on: at most the newest <see cref="Capacity"/>. A callback is written once it has its outcome.
/// </summary>
public sealed class WebhookLog(EmulatorOptions options)
{
    /// <summary>How many callbacks are kept; a newer one pushes the oldest out.</summary>
    public const int Capacity = 10_000;

    private readonly Queue<WebhookCallback> _callbacks = new();
    private readonly Lock _lock = new();

    /// <summary>Whether callbacks are kept at all.</summary>
    public bool IsRecording => options.RecordCalls;

    public IReadOnlyList<WebhookCallback> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _callbacks];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _callbacks.Count;
            }
        }
    }

    internal void Add(WebhookCallback callback)
    {
        if (!IsRecording)
        {
            return;
        }

        lock (_lock)
        {
            if (_callbacks.Count == Capacity)
            {
                _callbacks.Dequeue();
            }

            _callbacks.Enqueue(callback);
        }
    }
}
