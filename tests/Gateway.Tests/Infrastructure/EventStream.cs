using System.Net;

namespace Gateway.Tests.Infrastructure;

/// <summary>One event or comment block of the stream, as the raw lines before its blank line.</summary>
internal sealed record EventFrame(string[] Lines)
{
    public string? Id => Field("id");

    public string? Type => Field("event");

    public string? Data => Field("data");

    public bool IsHeartbeat => Lines.All(line => line.StartsWith(':'));

    private string? Field(string name) =>
        Lines.FirstOrDefault(line => line.StartsWith(name + ": ", StringComparison.Ordinal))?[(name.Length + 2)..];
}

/// <summary>
/// An events stream read line by line: <see cref="System.Net.ServerSentEvents.SseParser"/> skips
/// comments, and the heartbeats are what some of these tests are about.
/// </summary>
internal sealed class EventStream : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public static async Task<EventStream> OpenAsync(HttpClient client, string id, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/remix/{id}/events");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStream(response, await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>The next block; fails at the end of the stream.</summary>
    public async Task<EventFrame> ReadAsync() =>
        await TryReadAsync() ?? throw new Xunit.Sdk.XunitException("The event stream ended.");

    /// <summary>The next block, or null at the end of the stream; fails if neither comes in time.</summary>
    public async Task<EventFrame?> TryReadAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Deadline, TestContext.Current.CancellationToken);
            if (line is null)
            {
                Assert.Empty(lines);
                return null;
            }

            if (line.Length == 0)
            {
                if (lines.Count > 0)
                {
                    return new EventFrame([.. lines]);
                }

                continue;
            }

            lines.Add(line);
        }
    }

    /// <summary>The events up to the end of the stream, heartbeats left out.</summary>
    public async Task<List<EventFrame>> ReadEventsToEndAsync()
    {
        var events = new List<EventFrame>();
        while (await TryReadAsync() is { } frame)
        {
            if (!frame.IsHeartbeat)
            {
                events.Add(frame);
            }
        }

        return events;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
