using Sunra.Protocol;

namespace Sunra.Emulator;

/// <summary>
/// Sunra's account limits as the emulator enforces them (<c>Emulator:Limits</c>): per key, over rolling
/// windows, submits counted apart from every other queue call. Sunra's own numbers unless set otherwise.
/// </summary>
public sealed class EmulatorLimits
{
    private bool? _enforce;

    /// <summary>
    /// Whether a call over a limit is refused with Sunra's 403 <c>RATE_LIMIT_EXCEEDED</c>. On unless set
    /// off, as on Sunra: the emulator run alone and the gateway's sandbox enforce the limits.
    /// <see cref="EmulatorServer"/> turns it off for a test that says nothing of the limits.
    /// </summary>
    public bool Enforce
    {
        get => _enforce ?? true;
        set => _enforce = value;
    }

    /// <summary>Submits in any rolling second.</summary>
    public int SubmitsPerSecond { get; set; } = SunraAccountLimits.SubmitsPerSecond;

    /// <summary>Submits in any rolling minute.</summary>
    public int SubmitsPerMinute { get; set; } = SunraAccountLimits.SubmitsPerMinute;

    /// <summary>Status, status stream, result and cancel calls together, in any rolling second.</summary>
    public int OtherCallsPerSecond { get; set; } = SunraAccountLimits.OtherCallsPerSecond;

    /// <summary>Status, status stream, result and cancel calls together, in any rolling minute.</summary>
    public int OtherCallsPerMinute { get; set; } = SunraAccountLimits.OtherCallsPerMinute;

    /// <summary>Every limit lets at least one call through.</summary>
    internal bool AreValid => SubmitsPerSecond > 0 && SubmitsPerMinute > 0 && OtherCallsPerSecond > 0 && OtherCallsPerMinute > 0;

    /// <summary>Nothing was said of the limits: <see cref="Enforce"/> never set, and Sunra's numbers all kept.</summary>
    internal bool AreUnspoken =>
        _enforce is null
        && SubmitsPerSecond == SunraAccountLimits.SubmitsPerSecond
        && SubmitsPerMinute == SunraAccountLimits.SubmitsPerMinute
        && OtherCallsPerSecond == SunraAccountLimits.OtherCallsPerSecond
        && OtherCallsPerMinute == SunraAccountLimits.OtherCallsPerMinute;
}
