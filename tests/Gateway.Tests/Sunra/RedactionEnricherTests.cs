using Gateway.Sunra;
using Serilog.Events;
using Serilog.Parsing;

namespace Gateway.Tests.Sunra;

/// <summary>The enricher is the last line of defence: whatever logs the key, no sink sees it.</summary>
public sealed class RedactionEnricherTests
{
    private const string Key = "sk_canary_enricher_0123456789abcdef";

    [Fact]
    public void Every_property_holding_the_key_is_rewritten_and_the_others_are_kept()
    {
        var logEvent = new LogEvent(
            DateTimeOffset.UtcNow,
            LogEventLevel.Information,
            null,
            new MessageTemplateParser().Parse("{A} {B} {C} {D} {E} {F}"),
            [
                new LogEventProperty("A", new ScalarValue($"Key {Key}")),
                new LogEventProperty("B", new ScalarValue(42)),
                new LogEventProperty("C", new SequenceValue([new ScalarValue("fine"), new ScalarValue(Key)])),
                new LogEventProperty("D", new StructureValue([new LogEventProperty("Inner", new ScalarValue($"x{Key}y"))])),
                new LogEventProperty("E", new ScalarValue(new Uri($"https://sunra.example/?k={Key}"))),
                new LogEventProperty("F", new DictionaryValue([new(new ScalarValue("h"), new ScalarValue(Key))])),
            ]);

        new SunraKeyRedactionEnricher(new SunraKeyRedactor(new SunraKey(Key))).Enrich(logEvent, null!);

        var rendered = string.Join(" ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}"));
        Assert.DoesNotContain(Key, rendered, StringComparison.Ordinal);
        Assert.Equal("\"Key [redacted]\"", logEvent.Properties["A"].ToString());
        Assert.Equal("42", logEvent.Properties["B"].ToString());
        Assert.Equal("[\"fine\", \"[redacted]\"]", logEvent.Properties["C"].ToString());
        Assert.Contains("x[redacted]y", logEvent.Properties["D"].ToString(), StringComparison.Ordinal);
        Assert.Equal(6, logEvent.Properties.Count);
    }
}
