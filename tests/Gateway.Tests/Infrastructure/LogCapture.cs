using System.Collections.Concurrent;
using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace Gateway.Tests.Infrastructure;

/// <summary>Every log event the gateway wrote, as a sink sees it (after enrichment).</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    /// <summary>All of it as text: messages, every property, exceptions with their stack traces.</summary>
    public string Everything => string.Join('\n', Events.Select(e =>
        $"{e.Level} {e.RenderMessage(CultureInfo.InvariantCulture)} {string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}"))} {e.Exception}"));

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
}
