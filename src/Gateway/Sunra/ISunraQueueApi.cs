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
    [Post("/queue/{**endpointId}")]
    Task<IApiResponse<SubmitReply>> SubmitAsync(string endpointId, [Body] SunraVideoToVideoInput input, CancellationToken cancellationToken);

    [Get("/queue/requests/{requestId}/status")]
    Task<IApiResponse<StatusReply>> GetStatusAsync(string requestId, [Query] int logs, CancellationToken cancellationToken);

    [Get("/queue/requests/{requestId}")]
    Task<IApiResponse<ResultReply>> GetResultAsync(string requestId, CancellationToken cancellationToken);

    [Put("/queue/requests/{requestId}/cancel")]
    Task<IApiResponse<JsonElement>> CancelAsync(string requestId, CancellationToken cancellationToken);
}
