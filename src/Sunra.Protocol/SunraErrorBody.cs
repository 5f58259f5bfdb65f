using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sunra.Protocol;

/// <summary>
/// Sunra's error body, <c>{"error": {type, code, message, details}, timestamp, request_id}</c>, which its
/// clients read for the message, type and code of a failure. Made from the catalog with
/// <see cref="SunraError.Body"/>.
/// </summary>
public sealed record SunraErrorBody
{
    public required SunraErrorDetail Error { get; init; }

    /// <summary>When the error was answered.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The id of this HTTP call, also sent as the <c>x-request-id</c> header.</summary>
    public required string RequestId { get; init; }
}

/// <summary>What went wrong: one error of <see cref="SunraErrors"/>, in words and with its particulars.</summary>
public sealed record SunraErrorDetail
{
    /// <summary>The kind of failure, which follows the HTTP status (<see cref="SunraErrorTypes.Of"/>), e.g. <c>invalid_request_error</c>.</summary>
    public required string Type { get; init; }

    /// <summary>What went wrong, in UPPER_SNAKE, e.g. <c>INVALID_REQUEST</c>, <c>REMIX_NOT_FOUND</c>, <c>PREDICTION_FAILED</c>.</summary>
    public required string Code { get; init; }

    /// <summary>The failure in words, for a person.</summary>
    public required string Message { get; init; }

    /// <summary>
    /// Any JSON value, <c>null</c> when there is nothing to add: for <c>INVALID_REQUEST</c> the messages
    /// by field (<c>{"prompt": ["String should have at most 5000 characters"]}</c>), for
    /// <c>PREDICTION_FAILED</c> the generation's error. Always written, <c>null</c> included, so that a
    /// client can rely on the property.
    /// </summary>
    /// <remarks>
    /// A <see cref="JsonElement"/> that holds JSON's <c>null</c> itself (<see cref="SunraError.Body"/> makes
    /// one), not a <c>JsonElement?</c>: the OpenAPI schema of that is a <c>oneOf</c> of null and the
    /// empty schema, a roundabout way of saying what the empty schema says alone. A
    /// <see cref="JsonElement"/>'s schema is the empty one: any JSON value, null among them.
    /// </remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required JsonElement Details { get; init; }
}
