using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Sunra;

/// <summary>The serializer settings of the Sunra client.</summary>
internal static class SunraJson
{
    public static readonly JsonSerializerOptions Options = new(SunraJsonContext.Default.Options)
    {
        Encoder = MinimalJsonEncoder.Instance,
    };
}

/// <summary>
/// Escapes only what JSON requires (quotation mark, reverse solidus, control characters). The
/// built-in encoders escape every character outside the Basic Multilingual Plane, even the relaxed
/// one, so an emoji prompt would reach Sunra as <c>\uD83D\uDE00</c> instead of the caller's bytes.
/// </summary>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static readonly MinimalJsonEncoder Instance = new();

    private const string Hex = "0123456789ABCDEF";

    private MinimalJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        for (var i = 0; i < span.Length; i++)
        {
            if (WillEncode(span[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var output = new Span<char>(buffer, bufferLength);
        if (!WillEncode(unicodeScalar))
        {
            return new Rune(unicodeScalar).TryEncodeToUtf16(output, out numberOfCharactersWritten);
        }

        ReadOnlySpan<char> escaped = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            _ => ['\\', 'u', '0', '0', Hex[unicodeScalar >> 4], Hex[unicodeScalar & 0xF]],
        };
        numberOfCharactersWritten = escaped.Length;
        return escaped.TryCopyTo(output) || (numberOfCharactersWritten = 0) != 0;
    }
}
