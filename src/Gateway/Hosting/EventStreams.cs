using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Hosting;

/// <summary>Writes server-sent events as each door frames them, flushed at once so that nothing waits in a buffer.</summary>
public static class EventStreams
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    /// <summary>
    /// One frame per item in the door's own shape, and a <c>: heartbeat</c> comment for each null (a
    /// pause with nothing to say, which keeps the stream and the proxies on its way alive).
    /// </summary>
    public static async Task WriteAsync<T>(HttpContext httpContext, IAsyncEnumerable<T?> items, Func<T, byte[]> frameOf)
        where T : class
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";

        // Proxies such as nginx would otherwise hold events back in their buffers.
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.Body.FlushAsync(httpContext.RequestAborted);

        await foreach (var item in items.WithCancellation(httpContext.RequestAborted))
        {
            await response.Body.WriteAsync(item is null ? Heartbeat : frameOf(item), httpContext.RequestAborted);
            await response.Body.FlushAsync(httpContext.RequestAborted);
        }
    }
}
