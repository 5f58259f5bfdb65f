using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Sinks.Async;

namespace Gateway.Hosting;

/// <summary>
/// The JSON log's way to standard output, behind the background queue of <c>WriteTo.Async</c>: each
/// line is formatted into one buffer, and the buffer is written out as soon as no other line waits in
/// the queue. At rest every line leaves at once; under load the lines that queued up meanwhile leave in
/// one write. (Serilog's console sink writes through <c>Console.Out</c>, 256 characters at a time: two
/// writes for every request's line.)
/// </summary>
internal sealed class StandardOutputSink(ITextFormatter formatter, Stream output) : ILogEventSink, IAsyncLogEventSinkMonitor, IDisposable
{
    // Room for a burst of lines, which then leaves in one write. A longer burst leaves in several; a
    // line cut between two writes still arrives whole and in order, as this is the only writer.
    private const int BufferCharacters = 64 * 1024;

    private readonly StreamWriter _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), BufferCharacters) { AutoFlush = false };

    // Emit runs on the queue's one worker thread only; the queue is known once the worker starts.
    private IAsyncLogEventSinkInspector? _queue;

    public static StandardOutputSink Create(ITextFormatter formatter) => new(formatter, Console.OpenStandardOutput());

    public void Emit(LogEvent logEvent)
    {
        formatter.Format(logEvent, _writer);
        if (_queue is not { Count: > 0 })
        {
            _writer.Flush();
        }
    }

    public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _queue = inspector;

    public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => _queue = null;

    public void Dispose() => _writer.Dispose();
}
