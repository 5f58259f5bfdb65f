using System.Text.Json;
using Refit;

namespace Gateway.Sunra;

/// <summary>
/// Sunra's queue protocol, word for word (../shared/spec/sunra-queue-protocol.md). The key is added
/// by <see cref="SunraKeyHandler"/>; what the answers mean to the gateway is decided in
/// <see cref="SunraQueueClient"/>.
/// </summary>
[Headers("Accept: application/json")]
internal interface ISunraQueueApi
{
    /// <param name="endpointId">The model.</param>
    /// <param name="input">Its input.</param>
    /// <param name="webhook">Where Sunra POSTs the outcome when the request ends; none when null.</param>
    /// <param name="cancellationToken">The call's.</param>
    [Post("/queue/{**endpointId}")]
    Task<IApiResponse<SubmitReply>> SubmitAsync(string endpointId, [Body] SunraVideoToVideoInput input, [Query] string? webhook, CancellationToken cancellationToken);

    [Get("/queue/requests/{requestId}/status")]
    Task<IApiResponse<StatusReply>> GetStatusAsync(string requestId, [Query] int logs, CancellationToken cancellationToken);

    [Get("/queue/requests/{requestId}")]
    Task<IApiResponse<ResultReply>> GetResultAsync(string requestId, CancellationToken cancellationToken);

    [Put("/queue/requests/{requestId}/cancel")]
    Task<IApiResponse<JsonElement>> CancelAsync(string requestId, CancellationToken cancellationToken);
}
