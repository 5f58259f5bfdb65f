using System.Text;
using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The checks of one answer against the operation it answers: its status, headers and media type,
/// its JSON body (or each event of a stream, as it is read) against the documented schema, a problem's
/// type against the documented ones, and the parameters a 400 blames against their documented schemas.
/// </summary>
internal sealed class AnswerCheck(OpenApiContract contract, OpenApiContract.Operation operation, HttpRequestMessage request, HttpResponseMessage response)
{
    private readonly int _status = (int)response.StatusCode;

    public async Task<IReadOnlyList<DocumentViolation>> CheckAsync(CancellationToken cancellationToken)
    {
        var found = new List<DocumentViolation>();
        if (operation.ResponseFor(_status) is not var (key, documented))
        {
            found.Add(Violation("status", $"{_status} is not documented (documented: {string.Join(", ", operation.Responses.EnumerateObject().Select(r => r.Name))})"));
            return found;
        }

        found.AddRange(CheckHeaders(key, documented));
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var declared = documented.TryGetProperty("content", out var content) ? content.EnumerateObject().Select(c => c.Name).ToList() : [];
        if (mediaType is null)
        {
            if (declared.Count > 0)
            {
                var empty = (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length == 0;
                found.Add(Violation(empty ? "body" : "content-type", $"there is none, while the document declares {string.Join(", ", declared)}"));
            }

            return found;
        }

        if (declared.FirstOrDefault(d => OpenApiContract.Covers(d, mediaType)) is not { } media)
        {
            found.Add(Violation("content-type", declared.Count == 0
                ? $"{mediaType}, while the document declares no body"
                : $"{mediaType} is not declared (declared: {string.Join(", ", declared)})"));
            return found;
        }

        var schema = content.GetProperty(media).TryGetProperty("schema", out _) ? operation.BodySchema(key, media) : null;
        if (schema is null)
        {
            return found;
        }

        if (mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            // Only what the test reads is checked, as it reads it: a stream may never end.
            response.Content = new CheckedEventStream(response.Content, data => OpenApiConformance.Report(CheckEvent(schema, data)));
        }
        else if (OpenApiContract.IsJson(mediaType))
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            if (!TryParse(await response.Content.ReadAsByteArrayAsync(cancellationToken), out var body, out var why))
            {
                found.Add(Violation("body", $"is not JSON: {why}"));
                return found;
            }

            found.AddRange(CheckBody(schema, body, ""));
            found.AddRange(CheckProblemType(content.GetProperty(media), body));
            found.AddRange(CheckBlamedParameters(body));
        }

        return found;
    }

    private IEnumerable<DocumentViolation> CheckHeaders(string key, JsonElement documented)
    {
        if (!documented.TryGetProperty("headers", out var headers))
        {
            yield break;
        }

        foreach (var header in headers.EnumerateObject().Where(h => !h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
        {
            var described = contract.Resolve(header.Value);
            if (!response.Headers.TryGetValues(header.Name, out var values) && !response.Content.Headers.TryGetValues(header.Name, out values))
            {
                if (described.TryGetProperty("required", out var required) && required.GetBoolean())
                {
                    yield return Violation($"header {header.Name}", "is required by the document but missing");
                }

                continue;
            }

            if (described.TryGetProperty("schema", out var schema))
            {
                var value = string.Join(", ", values);
                foreach (var (_, error) in contract.Validate(operation.HeaderSchema(key, header.Name), Typed(value, contract.Resolve(schema))))
                {
                    yield return Violation($"header {header.Name}", $"'{value}' {error}");
                }
            }
        }
    }

    private List<DocumentViolation> CheckEvent(string schema, byte[] data) =>
        TryParse(data, out var body, out var why) ? CheckBody(schema, body, "event ") : [Violation("event data", $"is not JSON: {why}")];

    private List<DocumentViolation> CheckBody(string schema, JsonElement body, string prefix) =>
        [.. contract.Validate(schema, body).Select(failure => Violation(prefix + failure.Pointer, failure.Error))];

    /// <summary>
    /// A problem response says which problems it can be by its examples, one per problem type (the
    /// schema leaves <c>type</c> a free string): a problem of another type is not documented.
    /// </summary>
    private IEnumerable<DocumentViolation> CheckProblemType(JsonElement media, JsonElement body)
    {
        if (!media.TryGetProperty("examples", out var examples) || examples.ValueKind != JsonValueKind.Object
            || body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("type", out var type))
        {
            yield break;
        }

        var documented = examples.EnumerateObject()
            .Select(e => contract.Resolve(e.Value))
            .Where(e => e.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Object && value.TryGetProperty("type", out _))
            .Select(e => e.GetProperty("value").GetProperty("type").GetString())
            .ToList();
        if (documented.Count > 0 && !documented.Contains(type.GetString()))
        {
            yield return Violation("/type", $"'{type.GetString()}' is none of the problem types documented for {_status} ({string.Join(", ", documented)})");
        }
    }

    /// <summary>
    /// A 400 names the inputs it refused (<c>errors</c> of a problem, <c>error.details</c> in Sunra's
    /// shape). One that is a documented header or query parameter, sent with a value its documented
    /// schema accepts, shows the document allowing what the gateway refuses.
    /// </summary>
    private IEnumerable<DocumentViolation> CheckBlamedParameters(JsonElement body)
    {
        if (_status != 400 || body.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        var blamed = body.TryGetProperty("errors", out var errors) ? errors
            : body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("details", out var details) ? details
            : default;
        if (blamed.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var (parameter, schema) in operation.Parameters)
        {
            var name = parameter.GetProperty("name").GetString()!;
            var refusal = blamed.EnumerateObject().FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
            if (refusal.ValueKind == JsonValueKind.Undefined || Sent(name, parameter.GetProperty("in").GetString()) is not { } sent || !parameter.TryGetProperty("schema", out var described))
            {
                continue;
            }

            if (contract.Validate(schema, Typed(sent, contract.Resolve(described))).Count == 0)
            {
                yield return Violation(
                    $"parameter {name}",
                    $"the document allows '{Shorten(sent)}' (schema {OpenApiContract.Compact(described)}) but the gateway refused it: {OpenApiContract.Compact(refusal, 160)}");
            }
        }
    }

    private static bool TryParse(byte[] utf8, out JsonElement body, out string? why)
    {
        try
        {
            body = JsonDocument.Parse(utf8).RootElement.Clone();
            why = null;
            return true;
        }
        catch (JsonException e)
        {
            body = default;
            why = e.Message;
            return false;
        }
    }

    private string? Sent(string name, string? place) => place switch
    {
        "header" => request.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null,
        "query" => Query(request.RequestUri!).Where(q => q.Name == name).Select(q => q.Value).FirstOrDefault(),
        _ => null,
    };

    private static IEnumerable<(string Name, string Value)> Query(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => (Unescape(pair[0]), pair.Length > 1 ? Unescape(pair[1]) : ""));

    private static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    /// <summary>A header or query value as the JSON its schema's type reads it as: a number or boolean where the schema allows one, else a string.</summary>
    private static JsonElement Typed(string value, JsonElement schema)
    {
        var types = !schema.TryGetProperty("type", out var type) ? []
            : type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToList()
            : [type.GetString()];
        var literal = TryParse(Encoding.UTF8.GetBytes(value), out var parsed, out _) ? parsed.ValueKind : JsonValueKind.Undefined;
        var asIs = (literal == JsonValueKind.Number && (types.Contains("integer") || types.Contains("number")))
            || (literal is JsonValueKind.True or JsonValueKind.False && types.Contains("boolean"));
        return asIs ? parsed : JsonSerializer.SerializeToElement(value);
    }

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "…" : text;

    private DocumentViolation Violation(string where, string what) =>
        new(operation.Id ?? $"{operation.Method} {operation.Template}", _status, where, what, $"{request.Method} {request.RequestUri!.PathAndQuery}");
}
