using System.Reflection;
using System.Text;
using System.Text.Json;
using Gateway.Core;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.Metadata;

namespace Gateway.SunraDoor;

/// <summary>
/// A request's status as Sunra streams it: <c>data: &lt;status JSON&gt;</c> per change and nothing
/// else, since Sunra's clients parse every event's data as a status. Keep-alives are comments, which
/// their parsers skip. The events come from the same follower as <c>/remix/{request_id}/events</c>,
/// reading the coalesced status (the core's <see cref="StatusFollower"/>), and end right after COMPLETED or CANCELED.
/// </summary>
internal sealed class SunraStatusStream(IAsyncEnumerable<RemixStatus?> events, Func<RemixStatus, SunraStatus> shape) : IResult, IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext) =>
        EventStreams.WriteAsync(
            httpContext,
            events,
            status => Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(shape(status), SunraDoorJsonContext.Default.SunraStatus)}\n\n"));

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(SunraStatus), ["text/event-stream"]));
}
