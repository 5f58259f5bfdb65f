using System.Reflection;
using System.Text;
using System.Text.Json;
using Gateway.Core;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.Metadata;

namespace Gateway.Remix;

/// <summary>
/// A remix's status as server-sent events: a <c>status</c> event per change, its <c>id</c> the
/// status's <see cref="RemixStatus.ChangeKey"/> (so a reconnect with <c>Last-Event-ID</c>, on any
/// replica, gets nothing it already had), a <c>: heartbeat</c> comment while nothing changes, and the
/// end right after the final event.
/// </summary>
internal sealed class RemixEventStream(IAsyncEnumerable<RemixStatus?> statuses) : IResult, IEndpointMetadataProvider
{
    /// <summary>The header a reconnecting browser (or client) sends with the last id it saw.</summary>
    public const string LastEventIdHeader = "Last-Event-ID";

    public Task ExecuteAsync(HttpContext httpContext) => EventStreams.WriteAsync(httpContext, statuses, FrameOf);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(RemixStatus), ["text/event-stream"]));

    /// <summary>One status as the event a caller reads.</summary>
    internal static string TextOf(RemixStatus status) =>
        $"id: {status.ChangeKey}\nevent: status\ndata: {JsonSerializer.Serialize(status, RemixJsonContext.Default.RemixStatus)}\n\n";

    private static byte[] FrameOf(RemixStatus status) => Encoding.UTF8.GetBytes(TextOf(status));
}
