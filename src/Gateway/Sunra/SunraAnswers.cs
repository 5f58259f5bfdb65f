using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Problems;

namespace Gateway.Sunra;

/// <summary>
/// Turns Sunra's answers into facts: checked (a field the gateway relies on that is missing or
/// malformed makes the answer unreadable, null here) and redacted (every text that came from Sunra,
/// even inside free-form JSON, has the key taken out).
/// </summary>
internal sealed class SunraAnswers(SunraKeyRedactor redactor)
{
    public SunraAccepted? Accepted(SubmitReply submitted) =>
        submitted is { RequestId: { } id } && RequestIds.IsValid(id) && !redactor.Contains(id)
            && StateOf(submitted.Status ?? "IN_QUEUE") is { } state
            ? new SunraAccepted(id, state, submitted.QueuePosition)
            : null;

    public SunraStatusReport? Status(StatusReply status) =>
        StateOf(status.Status) is not { } state
            ? null
            : new SunraStatusReport(
                state,
                status.QueuePosition,
                LogsOf(status.Logs),
                status.Success,
                status.Error is { } error
                    ? new GenerationFailure(
                        error.Code is { } code ? redactor.Redact(code.ToString()) : null,
                        redactor.Redact(error.Message ?? "The generation failed."),
                        RedactedJson(error.Details),
                        error.Timestamp is { } timestamp ? redactor.Redact(timestamp.ToString()) : null)
                    : null,
                status.Metrics?.InferenceTime);

    public SunraVideoFile? Result(ResultReply output) =>
        output.Video is { ContentType: { } type, FileName: { } name, FileSize: { } size, Url: { } url }
            ? new SunraVideoFile(redactor.Redact(type), redactor.Redact(name), size, redactor.Redact(url))
            : null;

    private static SunraQueueState? StateOf(string? status) => status switch
    {
        "IN_QUEUE" => SunraQueueState.InQueue,
        "IN_PROGRESS" => SunraQueueState.InProgress,
        "COMPLETED" => SunraQueueState.Completed,
        "CANCELED" or "CANCELLED" => SunraQueueState.Canceled,
        _ => null,
    };

    // Logs arrive as text, or as a list of entries with a "message" each.
    private string? LogsOf(JsonElement? logs) => logs switch
    {
        { ValueKind: JsonValueKind.String } text => redactor.Redact(text.GetString()!),
        { ValueKind: JsonValueKind.Array } list => redactor.Redact(string.Join('\n', list.EnumerateArray().Select(entry =>
            entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("message", out var message) ? message.ToString() : entry.ToString()))),
        _ => null,
    };

    // Free-form JSON from Sunra is relayed only after every decoded string and name in it is
    // redacted: a key written with JSON escapes (\u0073\u006b…) is still the key.
    private JsonElement? RedactedJson(JsonElement? element)
    {
        if (element is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } value)
        {
            return null;
        }

        var node = JsonNode.Parse(value.GetRawText());
        return node is null ? null : JsonSerializer.SerializeToElement(Redacted(node), SunraJsonContext.Default.JsonNode);
    }

    private JsonNode Redacted(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(redactor.Redact(p.Key), p.Value is null ? null : Redacted(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(item => item is null ? null : Redacted(item))]),
        JsonValue text when text.TryGetValue<string>(out var s) => JsonValue.Create(redactor.Redact(s)),
        _ => node.DeepClone(),
    };
}
