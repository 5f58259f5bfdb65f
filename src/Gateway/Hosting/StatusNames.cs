using System.Globalization;

namespace Gateway.Hosting;

/// <summary>HTTP status codes as metric tag values, made once rather than on every call.</summary>
internal static class StatusNames
{
    private static readonly string[] Names = [.. Enumerable.Range(0, 600).Select(code => code.ToString(CultureInfo.InvariantCulture))];

    public static string Of(int status) => status is >= 0 and < 600 ? Names[status] : "other";
}
