using System.Text;
using System.Text.Json;
using Gateway.Hosting;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;
using Serilog.Sinks.Async;

namespace Gateway.Tests.Hosting;

public sealed class StandardOutputSinkTests
{
    [Fact]
    public void A_line_leaves_at_once_when_no_other_waits_and_queued_lines_leave_together()
    {
        var output = new CountingStream();
        var queue = new Queue();
        using var sink = new StandardOutputSink(new RenderedCompactJsonFormatter(), output);
        sink.StartMonitoring(queue);

        // At rest: each line is written as it comes.
        sink.Emit(Event("first"));
        Assert.Equal(1, output.Writes);
        Assert.Contains("first", output.Text, StringComparison.Ordinal);

        // Under load: while lines wait behind it, a line stays in the buffer...
        queue.Count = 2;
        sink.Emit(Event("second"));
        sink.Emit(Event("third"));
        Assert.Equal(1, output.Writes);

        // ...and the last of them takes all out in one write, each a whole JSON line.
        queue.Count = 0;
        sink.Emit(Event("fourth"));
        Assert.Equal(2, output.Writes);
        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var messages = lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("@m").GetString()!).ToArray();
        Assert.Equal(["first", "second", "third", "fourth"], messages);
    }

    [Fact]
    public void Lines_still_in_the_buffer_are_written_when_the_sink_is_disposed()
    {
        var output = new CountingStream();
        var sink = new StandardOutputSink(new RenderedCompactJsonFormatter(), output);
        sink.StartMonitoring(new Queue { Count = 5 });

        sink.Emit(Event("held"));
        Assert.Equal(0, output.Writes);
        sink.Dispose();

        Assert.Contains("held", output.Text, StringComparison.Ordinal);
    }

    private static LogEvent Event(string text) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text), []);

    private sealed class Queue : IAsyncLogEventSinkInspector
    {
        public int BufferSize => 10_000;

        public int Count { get; set; }

        public long DroppedMessagesCount => 0;
    }

    // Counts the writes that reach it, as each would be a write to the file descriptor.
    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        // ToArray reads a closed MemoryStream too, so the text outlives the writer's Dispose.
        public string Text => Encoding.UTF8.GetString(ToArray());

        // A span written to a derived MemoryStream arrives here too.
        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }
    }
}
