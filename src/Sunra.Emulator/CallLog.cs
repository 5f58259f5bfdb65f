namespace Sunra.Emulator;

/// <summary>One HTTP call the emulator received, kept so tests can say what Sunra saw.</summary>
public sealed record RecordedCall(string Method, string PathAndQuery, string? Authorization, byte[] Body)
{
    /// <summary>The W3C <c>traceparent</c> the caller sent, if any.</summary>
    public string? TraceParent { get; init; }

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// The calls received, oldest first, bodies included, while <see cref="EmulatorOptions.RecordCalls"/>
/// is on: at most the newest <see cref="Capacity"/>, so that a long run holds bounded memory.
/// </summary>
public sealed class CallLog(EmulatorOptions options)
{
    /// <summary>How many calls are kept; a newer call pushes the oldest out.</summary>
    public const int Capacity = 10_000;

    private readonly Queue<RecordedCall> _calls = new();
    private readonly Lock _lock = new();

    /// <summary>Whether calls are kept at all.</summary>
    public bool IsRecording => options.RecordCalls;

    public IReadOnlyList<RecordedCall> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _calls.Count;
            }
        }
    }

    internal void Add(RecordedCall call)
    {
        lock (_lock)
        {
            if (_calls.Count == Capacity)
            {
                _calls.Dequeue();
            }

            _calls.Enqueue(call);
        }
    }
}
