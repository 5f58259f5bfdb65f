namespace Sunra.Protocol;

/// <summary>
/// How a key travels in Sunra's protocol: send <c>Authorization: Key &lt;key&gt;</c>, as Sunra documents;
/// where a key is received, accept <c>Bearer &lt;key&gt;</c> too, which Sunra's Python client sends.
/// </summary>
public static class SunraAuthorization
{
    /// <summary>The scheme to send.</summary>
    public const string KeyScheme = "Key";

    /// <summary>The scheme Sunra's Python client sends instead.</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>The <c>Authorization</c> value to send with this key.</summary>
    public static string HeaderValue(string key) => $"{KeyScheme} {key}";

    /// <summary>
    /// The key in an <c>Authorization</c> value of either scheme, matched without regard to case as
    /// HTTP schemes are; null when there is none, or another scheme.
    /// </summary>
    public static string? KeyOf(string? authorization)
    {
        var value = authorization.AsSpan().Trim();
        var space = value.IndexOf(' ');
        if (space <= 0)
        {
            return null;
        }

        var scheme = value[..space];
        if (!scheme.Equals(KeyScheme, StringComparison.OrdinalIgnoreCase) && !scheme.Equals(BearerScheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var key = value[(space + 1)..].Trim();
        return key.IsEmpty ? null : key.ToString();
    }
}
