using System.Text.Json;

namespace Sunra.Protocol;

/// <summary>
/// One error of Sunra's queue protocol: the code its clients branch on and the HTTP status it comes
/// with. Its <see cref="Type"/> follows the status unless the error says otherwise. The errors in use
/// are in <see cref="SunraErrors"/>.
/// </summary>
/// <param name="Code">What went wrong, in UPPER_SNAKE.</param>
/// <param name="Status">The HTTP status of the answer.</param>
public sealed record SunraError(string Code, int Status)
{
    private static readonly JsonElement NoDetails = JsonElement.Parse("null");

    /// <summary>
    /// The kind of failure: by default the one its status implies (<see cref="SunraErrorTypes.Of"/>);
    /// set where Sunra types an error apart from its status, as its throttle, a 403 of type
    /// <c>rate_limit_error</c>.
    /// </summary>
    public string Type { get; init; } = SunraErrorTypes.Of(Status);

    /// <summary>The body to answer with.</summary>
    /// <param name="message">The failure in words, for a person.</param>
    /// <param name="details">The particulars (see <see cref="SunraErrorDetail.Details"/>), or null for none: written as <c>null</c>.</param>
    /// <param name="timestamp">When the error is answered.</param>
    /// <param name="requestId">The id of the HTTP call, as in its <c>x-request-id</c> header.</param>
    public SunraErrorBody Body(string message, JsonElement? details, DateTimeOffset timestamp, string requestId) =>
        new()
        {
            Error = new SunraErrorDetail { Type = Type, Code = Code, Message = message, Details = details ?? NoDetails },
            Timestamp = timestamp,
            RequestId = requestId,
        };
}
