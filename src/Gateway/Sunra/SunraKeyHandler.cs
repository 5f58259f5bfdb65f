using System.Net.Http.Headers;
using Serilog;
using Sunra.Protocol;

namespace Gateway.Sunra;

/// <summary>Adds <c>Authorization: Key …</c> to every call to Sunra: the one place the key leaves the process.</summary>
internal sealed class SunraKeyHandler(SunraKey key) : DelegatingHandler
{
    // Made once: a header value is never changed once set, so every call can share it.
    private readonly AuthenticationHeaderValue _authorization = new(SunraAuthorization.KeyScheme, key.Value);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _authorization;
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Puts Sunra's <c>x-request-id</c> on the gateway's request log line.</summary>
internal sealed class SunraRequestIdHandler(IDiagnosticContext diagnostics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("x-request-id", out var ids))
        {
            diagnostics.Set("SunraRequestId", string.Join(",", ids));
        }

        return response;
    }
}
