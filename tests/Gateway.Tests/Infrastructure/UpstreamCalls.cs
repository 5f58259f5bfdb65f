using Sunra.Emulator;

namespace Gateway.Tests.Infrastructure;

/// <summary>Calls the gateway route that makes the given Sunra call.</summary>
public static class UpstreamCalls
{
    /// <summary>
    /// A submit posts a new remix; reads and cancels act on a remix the caller submitted first, so
    /// that only the scripted fault stands between the gateway and a normal answer.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, SunraOperation operation, CancellationToken cancellationToken)
    {
        if (operation == SunraOperation.Submit)
        {
            return await client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), cancellationToken);
        }

        var id = (await client.SubmitAsync()).GetProperty("request_id").GetString()!;
        return operation switch
        {
            SunraOperation.Status => await client.GetAsync($"/remix/{id}/status", cancellationToken),
            SunraOperation.Result => await client.GetAsync($"/remix/{id}", cancellationToken),
            SunraOperation.Cancel => await client.PostAsync($"/remix/{id}/cancel", null, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };
    }
}
