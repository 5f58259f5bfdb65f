namespace Gateway.Sunra;

/// <summary>
/// The Sunra key. It comes from the <c>SUNRA_KEY</c> environment variable only: not from a settings
/// file, which could be committed, nor from the command line, which <c>ps</c> shows. It is kept
/// apart from <see cref="SunraOptions"/> so that nothing can bind, dump or validate it by accident.
/// </summary>
public sealed class SunraKey
{
    public const string Variable = "SUNRA_KEY";

    public SunraKey(string? value)
    {
        Value = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string? Value { get; }

    /// <summary>Whether the key can be sent at all: visible ASCII only, as an HTTP header value needs.</summary>
    public bool IsSendable => Value is not null && Value.All(c => c is > ' ' and <= '~');

    public static SunraKey FromEnvironment() => new(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Never the key itself, whoever formats this object.</summary>
    public override string ToString() => Value is null ? "(no key)" : "(a key)";
}
