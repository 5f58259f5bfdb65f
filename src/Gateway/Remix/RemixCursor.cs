using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Gateway.State;
using Gateway.Sunra;

namespace Gateway.Remix;

/// <summary>
/// The <c>next</c> of a page of <c>GET /remix</c>, sent back as <c>after</c>: where the page ended in the
/// caller's index. Opaque to callers (base64url), and read strictly: anything else is a 400 naming <c>after</c>.
/// </summary>
internal static class RemixCursor
{
    /// <summary>What a cursor looks like, for the OpenAPI document.</summary>
    public const string Pattern = "^[A-Za-z0-9_-]{1,200}$";

    public static string Write(IndexEntry position) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(position.Score.ToString(CultureInfo.InvariantCulture) + "." + position.Member));

    public static bool TryRead(string text, out IndexEntry position)
    {
        position = default;
        if (text.Length > 200 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var decoded = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text));
        var dot = decoded.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0
            || !long.TryParse(decoded.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            || !RequestIds.IsValid(decoded[(dot + 1)..]))
        {
            return false;
        }

        position = new IndexEntry(decoded[(dot + 1)..], score);
        return true;
    }
}
