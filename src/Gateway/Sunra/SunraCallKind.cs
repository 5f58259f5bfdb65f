namespace Gateway.Sunra;

/// <summary>
/// The calls as Sunra's account limits count them, and as the gateway spends its budget on them:
/// submits have a limit of their own; every other call shares the other limit, of which status polls
/// may spend only a share (<see cref="SunraLimits.PollShare"/>).
/// </summary>
internal enum SunraCallKind
{
    /// <summary>A submit (the only POST): waits a moment for budget, then is refused.</summary>
    Submit,

    /// <summary>A status call without logs: never waits; the status the gateway already knows serves meanwhile.</summary>
    Poll,

    /// <summary>A result, a cancel, or a status with logs: waits a moment for budget, then is refused.</summary>
    Read,
}

internal static class SunraCallKinds
{
    private static readonly AsyncLocal<bool> UrgentFlow = new();

    /// <summary>
    /// Until disposed, status calls made from here on (in this async flow) count as reads, not polls: a
    /// question that cannot wait for the remix's turn (Sunra called back to say it ended) waits a moment
    /// for the whole budget of other calls instead of being held back by the polls' share.
    /// </summary>
    public static IDisposable Urgent()
    {
        var outer = UrgentFlow.Value;
        UrgentFlow.Value = true;
        return new UrgentScope(outer);
    }

    /// <summary>True within <see cref="Urgent"/>: a status call now is a read, not a poll.</summary>
    public static bool StatusIsUrgent => UrgentFlow.Value;

    /// <summary>The kind of a call, told from the request as Sunra's queue protocol shapes it.</summary>
    public static SunraCallKind Of(HttpRequestMessage request)
    {
        if (request.Method == HttpMethod.Post)
        {
            return SunraCallKind.Submit;
        }

        var uri = request.RequestUri;
        return !UrgentFlow.Value
            && request.Method == HttpMethod.Get
            && uri is not null
            && uri.AbsolutePath.EndsWith("/status", StringComparison.Ordinal)
            && !uri.Query.Contains("logs=1", StringComparison.Ordinal)
            ? SunraCallKind.Poll
            : SunraCallKind.Read;
    }

    private sealed class UrgentScope(bool outer) : IDisposable
    {
        public void Dispose() => UrgentFlow.Value = outer;
    }
}
