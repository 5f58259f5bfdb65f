using Serilog.Core;
using Serilog.Events;

namespace Gateway.Sunra;

/// <summary>
/// Takes the Sunra key out of any text the gateway relays or logs. Sunra's error messages may echo
/// the credential they were sent; nothing that came from Sunra leaves the gateway without this.
/// </summary>
internal sealed class SunraKeyRedactor(SunraKey sunraKey)
{
    public const string Mask = "[redacted]";

    public string Redact(string text)
    {
        var key = sunraKey.Value;
        return string.IsNullOrEmpty(key) ? text : text.Replace(key, Mask, StringComparison.Ordinal);
    }

    public bool Contains(string text)
    {
        var key = sunraKey.Value;
        return !string.IsNullOrEmpty(key) && text.Contains(key, StringComparison.Ordinal);
    }
}

/// <summary>
/// A last line of defence for logs: any property value that holds the key is rewritten before a
/// sink sees it, whatever logged it and at whatever level.
/// </summary>
internal sealed class SunraKeyRedactionEnricher(SunraKeyRedactor redactor) : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        // Found first, replaced after, so as not to rely on how Serilog stores the properties it enumerates.
        List<LogEventProperty>? clean = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (Redacted(value) is { } redacted)
            {
                (clean ??= []).Add(new LogEventProperty(name, redacted));
            }
        }

        foreach (var property in clean ?? [])
        {
            logEvent.AddOrUpdateProperty(property);
        }
    }

    // Returns a rewritten value, or null when the value holds no key.
    private LogEventPropertyValue? Redacted(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string text } when redactor.Contains(text) => new ScalarValue(redactor.Redact(text)),
        // Numbers, dates and the like cannot hold the key; other objects are checked as they will render.
        ScalarValue { Value: { } other } when other is not (string or ValueType) && redactor.Contains(other.ToString() ?? "") =>
            new ScalarValue(redactor.Redact(other.ToString()!)),
        SequenceValue sequence when sequence.Elements.Any(e => Redacted(e) is not null) =>
            new SequenceValue(sequence.Elements.Select(e => Redacted(e) ?? e)),
        StructureValue structure when structure.Properties.Any(p => Redacted(p.Value) is not null) =>
            new StructureValue(structure.Properties.Select(p => new LogEventProperty(p.Name, Redacted(p.Value) ?? p.Value)), structure.TypeTag),
        DictionaryValue dictionary when dictionary.Elements.Any(e => Redacted(e.Value) is not null) =>
            new DictionaryValue(dictionary.Elements.Select(e => new KeyValuePair<ScalarValue, LogEventPropertyValue>(e.Key, Redacted(e.Value) ?? e.Value))),
        _ => null,
    };
}
