using System.Globalization;

namespace Gateway.Hosting;

/// <summary>
/// The <c>Age</c> header (RFC 9111) of a status answer: how many whole seconds ago Sunra reported the
/// status the gateway answers with. A caller learns from it how old the news is, while the account's
/// budget spreads the polls, or while Sunra throttles them.
/// </summary>
public static class AgeHeader
{
    public const string Name = "Age";

    public const string Description =
        "Whole seconds since Sunra reported this status: 0 when it was just asked, more while the account's budget spreads the polls of many remixes, or while Sunra throttles them.";

    public static void Write(HttpResponse response, DateTimeOffset? seenAt, DateTimeOffset now)
    {
        var seconds = seenAt is { } seen && now > seen ? (long)(now - seen).TotalSeconds : 0;
        response.Headers.Age = seconds.ToString(CultureInfo.InvariantCulture);
    }
}
