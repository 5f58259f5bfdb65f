using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Pointer;
using Json.Schema;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway's OpenAPI document as a contract an answer can be held to: which operation a request
/// is, and whether an answer keeps to what that operation documents (its status, media type, required
/// headers, and its body's JSON Schema, with the document's <c>$ref</c>s resolved inside it).
/// </summary>
/// <remarks>
/// The whole document is registered as a JSON Schema base document, so each body is checked against
/// <c>{"$ref": "&lt;document&gt;#/paths/…/schema"}</c> and every <c>#/components/schemas/…</c> resolves in place,
/// as OpenAPI 3.1 (JSON Schema 2020-12) means it to.
/// </remarks>
internal sealed class OpenApiContract
{
    private static readonly ConcurrentDictionary<string, OpenApiContract> Parsed = new(StringComparer.Ordinal);

    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private readonly Uri _base;
    private readonly BuildOptions _build;
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    private OpenApiContract(JsonElement root, string hash)
    {
        Root = root;
        _base = new Uri($"https://openapi.gateway.test/{hash}/v1.json");
        var registry = new SchemaRegistry();
        registry.Register(_base, new JsonElementBaseDocument(root, _base));
        _build = new BuildOptions { SchemaRegistry = registry };
        Operations = [.. root.GetProperty("paths").EnumerateObject().SelectMany(path => Methods
            .Where(method => path.Value.TryGetProperty(method, out _))
            .Select(method => new Operation(this, method.ToUpperInvariant(), path.Name, path.Value.GetProperty(method))))];
    }

    public JsonElement Root { get; }

    public IReadOnlyList<Operation> Operations { get; }

    /// <summary>The contract of this document, parsed and compiled once however many gateways serve it.</summary>
    public static OpenApiContract Of(byte[] document)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(document))[..16];
        return Parsed.GetOrAdd(hash, _ => new OpenApiContract(JsonDocument.Parse(document).RootElement.Clone(), hash).Built());
    }

    // Every body schema built up front, in the fetch before a test's calls, not in the first call that needs one.
    private OpenApiContract Built()
    {
        foreach (var operation in Operations)
        {
            foreach (var response in operation.Responses.EnumerateObject())
            {
                if (Resolve(response.Value).TryGetProperty("content", out var content))
                {
                    foreach (var media in content.EnumerateObject().Where(m => m.Value.TryGetProperty("schema", out _)))
                    {
                        try
                        {
                            lock (_build)
                            {
                                _ = SchemaAt(operation.BodySchema(response.Name, media.Name));
                            }
                        }
                        catch (Exception e) when (e is JsonSchemaException or RefResolutionException)
                        {
                            // A schema that cannot be built is the document's defect, which Lint names
                            // and the first answer checked against it shows; it stops nothing here.
                        }
                    }
                }
            }
        }

        return this;
    }

    /// <summary>The operation a request is, by method and path template; null when the document does not describe it.</summary>
    public Operation? Find(string method, string path)
    {
        var segments = Segments(path);
        return segments is null
            ? null
            : Operations.Where(o => o.Method == method && o.Matches(segments)).OrderByDescending(o => o.Specificity).FirstOrDefault();
    }

    /// <summary>The element a local reference (<c>#/components/…</c>) points to, following references until one is not.</summary>
    public JsonElement Resolve(JsonElement element)
    {
        for (var hops = 0; element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference) && hops < 16; hops++)
        {
            var target = reference.GetString();
            if (target is null || !target.StartsWith('#') || !JsonPointer.TryParse(target[1..], out var pointer) || pointer.Evaluate(Root) is not { } found)
            {
                throw new InvalidOperationException($"The document's reference {target} does not resolve.");
            }

            element = found;
        }

        return element;
    }

    /// <summary>The element at this pointer into the document, if there is one.</summary>
    public JsonElement? At(string pointer) => JsonPointer.TryParse(pointer, out var parsed) ? parsed.Evaluate(Root) : null;

    /// <summary>The pointer to what the element at <paramref name="pointer"/> stands for, following its local references.</summary>
    public string Follow(string pointer)
    {
        for (var hops = 0; hops < 16 && At(pointer) is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty("$ref", out var reference); hops++)
        {
            pointer = reference.GetString() is ['#', .. var target] ? target : throw new InvalidOperationException($"The document's reference {reference} is not local.");
        }

        return pointer;
    }

    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>
    /// Where and why <paramref name="instance"/> breaks the schema at <paramref name="schemaPointer"/>
    /// (a pointer into the document): each failing place as its JSON pointer in the instance, with
    /// the schema's own error or, where the keyword gives none (a <c>oneOf</c> with two matches), the
    /// failing schema itself.
    /// </summary>
    public IReadOnlyList<(string Pointer, string Error)> Validate(string schemaPointer, JsonElement instance)
    {
        EvaluationResults results;

        // The library resolves references as it evaluates, through a registry that is not made for
        // several threads: the answers of tests running side by side take turns, for a short check each.
        lock (_build)
        {
            results = SchemaAt(schemaPointer).Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        }

        if (results.IsValid)
        {
            return [];
        }

        var failed = (results.Details ?? []).Where(node => !node.IsValid).ToList();
        return [.. failed
            .Where(node => node.Errors is { Count: > 0 } || !failed.Any(other => other != node && IsBelow(other, node)))
            .Select(node => (Pointer(node.InstanceLocation), Explain(node)))
            .Distinct()];
    }

    // Called under the lock on _build.
    private JsonSchema SchemaAt(string pointer)
    {
        if (!_schemas.TryGetValue(pointer, out var schema))
        {
            schema = JsonSchema.FromText(
                $$"""{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": {{JsonSerializer.Serialize(_base + "#" + UriFragment(pointer))}}}""",
                _build,
                new Uri(_base, $"checks/{_schemas.Count}"));
            _schemas[pointer] = schema;
        }

        return schema;
    }

    /// <summary>JSON as one line, for a message.</summary>
    public static string Compact(JsonElement element, int limit = 300)
    {
        var text = JsonSerializer.Serialize(element);
        return text.Length > limit ? text[..limit] + "…" : text;
    }

    /// <summary>
    /// What is wrong with the document itself: an operation without an operationId or sharing one, a
    /// <c>$ref</c> that resolves to nothing, a response schema that cannot be built, an error response
    /// (4xx, 5xx) with a body but no example of it.
    /// </summary>
    public IEnumerable<DocumentViolation> Lint()
    {
        foreach (var reference in References(Root).Where(r => !r.StartsWith('#') || At(r[1..]) is null))
        {
            yield return new DocumentViolation("(document)", 0, "$ref", $"{reference} resolves to nothing", "document");
        }

        foreach (var shared in Operations.Where(o => o.Id is not null).GroupBy(o => o.Id).Where(g => g.Count() > 1).SelectMany(g => g))
        {
            yield return new DocumentViolation(shared.Id!, 0, "operationId", $"{shared.Method} {shared.Template} shares it with another operation", "document");
        }

        foreach (var operation in Operations)
        {
            if (operation.Id is null)
            {
                yield return new DocumentViolation(operation.Name, 0, "operationId", "is missing", "document");
            }

            foreach (var response in operation.Responses.EnumerateObject())
            {
                var status = int.TryParse(response.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;
                var described = Resolve(response.Value);
                if (!described.TryGetProperty("content", out var content))
                {
                    continue;
                }

                foreach (var media in content.EnumerateObject())
                {
                    var at = $"{media.Name} of {response.Name}";
                    if (media.Value.TryGetProperty("schema", out _) && Unbuildable(operation.BodySchema(response.Name, media.Name)) is { } why)
                    {
                        yield return new DocumentViolation(operation.Id ?? operation.Name, status, "schema", $"{at}: {why}", "document");
                    }

                    var hasExample = media.Value.TryGetProperty("example", out _)
                        || (media.Value.TryGetProperty("examples", out var examples) && examples.EnumerateObject().Any());
                    if ((status >= 400 || response.Name is "4XX" or "5XX" or "default") && !hasExample)
                    {
                        yield return new DocumentViolation(operation.Id ?? operation.Name, status, "example", $"{at} shows no example", "document");
                    }
                }
            }
        }
    }

    private string? Unbuildable(string pointer)
    {
        try
        {
            // Evaluating builds every reference the instance reaches; null reaches the top ones.
            _ = Validate(pointer, JsonDocument.Parse("null").RootElement);
            return null;
        }
        catch (Exception e) when (e is JsonSchemaException or RefResolutionException or InvalidOperationException)
        {
            return e.Message;
        }
    }

    private static IEnumerable<string> References(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
            p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : References(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(References),
        _ => [],
    };

    // A pointer as a URI's fragment: percent-encoded, or a '+' (application/problem+json) reads as a space.
    private static string UriFragment(string pointer) => string.Join('/', pointer.Split('/').Select(Uri.EscapeDataString));

    private static bool IsBelow(EvaluationResults node, EvaluationResults above) =>
        node.EvaluationPath.ToString().StartsWith(above.EvaluationPath.ToString() + "/", StringComparison.Ordinal);

    private static string Pointer(JsonPointer location) => location.ToString() is { Length: > 0 } text ? text : "/";

    private string Explain(EvaluationResults node)
    {
        var place = node.SchemaLocation.Fragment is { Length: > 1 } fragment ? Uri.UnescapeDataString(fragment[1..]) : "";
        return node.Errors is { Count: > 0 } errors
            ? string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")) + $" (schema {place})"
            : $"does not match the schema at {place}: {(At(place) is { } schema ? Compact(schema) : "?")}";
    }

    /// <summary>The decoded segments of a request path; null when one is empty (no template's parameter matches that).</summary>
    private static string[]? Segments(string path)
    {
        if (path.Length > 1 && path.EndsWith('/'))
        {
            path = path[..^1];
        }

        var segments = path.Split('/')[1..];
        return path == "/" ? [] : segments.Any(s => s.Length == 0) ? null : [.. segments.Select(Uri.UnescapeDataString)];
    }

    /// <summary>One operation of the document: a method on a path template, and the answers it documents.</summary>
    internal sealed class Operation
    {
        private readonly OpenApiContract _contract;
        private readonly string[] _parts;
        private readonly Regex?[] _template;
        private readonly bool _catchAll;

        public Operation(OpenApiContract contract, string method, string template, JsonElement element)
        {
            _contract = contract;
            Method = method;
            Template = template;
            Element = element;
            Pointer = $"/paths/{Escape(template)}/{method.ToLowerInvariant()}";
            var parts = template.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            _catchAll = parts.Length > 0 && parts[^1].StartsWith("{*", StringComparison.Ordinal);
            _parts = _catchAll ? parts[..^1] : parts;
            _template = [.. _parts.Select(Segment)];
            Specificity = _template.Count(t => t is null) * 2 - (_catchAll ? 1 : 0);
        }

        public string Method { get; }

        /// <summary>Where the operation is in the document.</summary>
        public string Pointer { get; }

        public string Template { get; }

        public JsonElement Element { get; }

        public string? Id => Element.TryGetProperty("operationId", out var id) ? id.GetString() : null;

        /// <summary>The operation as a reader finds it: its id and where it is.</summary>
        public string Name => $"{Id ?? "(no operationId)"} {Method} {Template}";

        /// <summary>More literal segments win, as routing's precedence has it.</summary>
        public int Specificity { get; }

        public JsonElement Responses => Element.GetProperty("responses");

        /// <summary>Each parameter, with the pointer to its schema.</summary>
        public IEnumerable<(JsonElement Parameter, string Schema)> Parameters =>
            Element.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Select((p, i) => (_contract.Resolve(p), _contract.Follow($"{Pointer}/parameters/{i}") + "/schema"))
                : [];

        public bool Matches(string[] segments) =>
            (_catchAll ? segments.Length >= _template.Length : segments.Length == _template.Length)
            && _template.Select((t, i) => t is null ? _parts[i].Equals(segments[i], StringComparison.OrdinalIgnoreCase) : t.IsMatch(segments[i])).All(ok => ok);

        /// <summary>The documented response for this status: its own, its range's (<c>4XX</c>), or <c>default</c>.</summary>
        public (string Key, JsonElement Response)? ResponseFor(int status)
        {
            var code = status.ToString(CultureInfo.InvariantCulture);
            foreach (var key in new[] { code, $"{code[0]}XX", $"{code[0]}xx", "default" })
            {
                if (Responses.TryGetProperty(key, out var response))
                {
                    return (key, _contract.Resolve(response));
                }
            }

            return null;
        }

        /// <summary>The pointer, in the document, to this response's schema for this media type.</summary>
        public string BodySchema(string responseKey, string mediaType) =>
            $"{_contract.Follow($"{Pointer}/responses/{Escape(responseKey)}")}/content/{Escape(mediaType)}/schema";

        /// <summary>The pointer, in the document, to the schema of this response's header.</summary>
        public string HeaderSchema(string responseKey, string header) =>
            _contract.Follow($"{_contract.Follow($"{Pointer}/responses/{Escape(responseKey)}")}/headers/{Escape(header)}") + "/schema";

        // A literal segment is compared as text (null here); one with parameters as a pattern.
        private static Regex? Segment(string part) => part.Contains('{', StringComparison.Ordinal)
            ? new Regex("^" + Regex.Replace(Regex.Escape(part).Replace(@"\{", "{", StringComparison.Ordinal), @"\{[^}]+}", ".+?") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)
            : null;
    }

    /// <summary>Whether a media type of an answer is one a documented content key stands for (<c>*/*</c>, <c>application/*</c>, or itself).</summary>
    public static bool Covers(string documented, string mediaType)
    {
        var key = MediaTypeHeaderValue.TryParse(documented, out var parsed) ? parsed.MediaType! : documented;
        return key == "*/*"
            || key.Equals(mediaType, StringComparison.OrdinalIgnoreCase)
            || (key.EndsWith("/*", StringComparison.Ordinal) && mediaType.StartsWith(key[..^1], StringComparison.OrdinalIgnoreCase));
    }

    public static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
