namespace Gateway.Sunra;

/// <summary>
/// The Sunra key. It comes from the <c>SUNRA_KEY</c> environment variable, or from the file that
/// <c>SUNRA_KEY_FILE</c> names (a mounted container secret): never from a settings file, which could
/// be committed, nor from the command line, which <c>ps</c> shows. It is kept apart from
/// <see cref="SunraOptions"/> so that nothing can bind, dump or validate it by accident.
/// </summary>
public sealed class SunraKey
{
    public const string Variable = "SUNRA_KEY";

    public const string FileVariable = "SUNRA_KEY_FILE";

    public SunraKey(string? value, string? problem = null)
    {
        Value = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        Problem = problem;
    }

    public string? Value { get; }

    /// <summary>Why the key could not be read, when it could not: start-up stops with this.</summary>
    public string? Problem { get; }

    /// <summary>Whether the key can be sent at all: visible ASCII only, as an HTTP header value needs.</summary>
    public bool IsSendable => Value is not null && Value.All(c => c is > ' ' and <= '~');

    public static SunraKey FromEnvironment() =>
        From(Environment.GetEnvironmentVariable(Variable), Environment.GetEnvironmentVariable(FileVariable));

    internal static SunraKey From(string? key, string? file)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return new SunraKey(key);
        }

        if (!string.IsNullOrWhiteSpace(key))
        {
            return new SunraKey(null, $"Both {Variable} and {FileVariable} are set: set one of them.");
        }

        try
        {
            var value = File.ReadAllText(file);
            return string.IsNullOrWhiteSpace(value) ? new SunraKey(null, $"{FileVariable} names {file}, which is empty.") : new SunraKey(value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new SunraKey(null, $"{FileVariable} names {file}, which cannot be read ({e.GetType().Name}).");
        }
    }

    /// <summary>Never the key itself, whoever formats this object.</summary>
    public override string ToString() => Value is null ? "(no key)" : "(a key)";
}
