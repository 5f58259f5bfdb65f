using Serilog.Core;
using Serilog.Events;

namespace Gateway.Hosting;

/// <summary>
/// A path prefix under which the rest of a request's path is a secret (a capability URL's token): the
/// log never shows it. Registered as a service by the feature whose route it is.
/// </summary>
public sealed record SecretPathPrefix(string Prefix);

/// <summary>
/// Cuts the secret off <c>RequestPath</c> in every log event, the request's own line and every line
/// logged while it runs (ASP.NET Core's log scope puts the path on each of them).
/// </summary>
internal sealed class SecretPathEnricher(IEnumerable<SecretPathPrefix> prefixes) : ILogEventEnricher
{
    private const string RequestPath = "RequestPath";

    private readonly SecretPathPrefix[] _prefixes = [.. prefixes];

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (_prefixes.Length > 0
            && logEvent.Properties.TryGetValue(RequestPath, out var value)
            && value is ScalarValue { Value: string path }
            && Array.Find(_prefixes, secret => path.StartsWith(secret.Prefix, StringComparison.OrdinalIgnoreCase)) is { } found)
        {
            logEvent.AddOrUpdateProperty(new LogEventProperty(RequestPath, new ScalarValue(found.Prefix + "{secret}")));
        }
    }
}
