using System.Collections.Concurrent;

namespace Sunra.Emulator;

/// <summary>One HTTP call the emulator received, kept so tests can say what Sunra saw.</summary>
public sealed record RecordedCall(string Method, string PathAndQuery, string? Authorization, byte[] Body)
{
    /// <summary>The W3C <c>traceparent</c> the caller sent, if any.</summary>
    public string? TraceParent { get; init; }

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>Every call received, in order of arrival.</summary>
public sealed class CallLog
{
    private readonly ConcurrentQueue<RecordedCall> _calls = new();

    public IReadOnlyList<RecordedCall> All => [.. _calls];

    public int Count => _calls.Count;

    internal void Add(RecordedCall call) => _calls.Enqueue(call);
}
