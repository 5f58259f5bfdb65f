using System.ComponentModel.DataAnnotations;
using Sunra.Protocol;

namespace Gateway.Sunra;

/// <summary>Where Sunra is and how the gateway talks to it (section <c>Sunra</c>).</summary>
public sealed class SunraOptions
{
    public const string Section = "Sunra";

    /// <summary>The queue API's base URL.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.sunra.ai/v1");

    /// <summary>Run against the emulator hosted in this process instead of Sunra (<c>--sandbox</c>).</summary>
    public bool Sandbox { get; set; }

    /// <summary>How long one attempt of an upstream call may take before the caller gets a 504.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>How long the gateway stops calling a failing Sunra once its circuit opens.</summary>
    [Range(1, 600)]
    public int CircuitBreakSeconds { get; set; } = 15;

    /// <summary>
    /// The shortest time between two status calls to Sunra for one remix, cluster-wide. With many remixes
    /// followed the account's budget spreads the polls further apart (<see cref="SunraLimits"/>).
    /// </summary>
    [Range(0.05, 60)]
    public double StatusPollIntervalSeconds { get; set; } = 1;

    /// <summary>
    /// The gateway's address as Sunra can reach it (a public ingress route, say). When set, every submit
    /// asks Sunra to call back at the end of the remix, and status polls drop to a keep-alive
    /// (<see cref="KeepAlivePollSeconds"/>).
    /// </summary>
    public Uri? CallbackBaseUrl { get; set; }

    /// <summary>With callbacks on: the shortest time between two polls of one remix, for the changes no callback tells (IN_QUEUE to IN_PROGRESS) and a callback that is lost.</summary>
    [Range(1, 3600)]
    public double KeepAlivePollSeconds { get; set; } = 30;

    /// <summary>Sunra's limits on the account, which all replicas share (section <c>Sunra:Limits</c>).</summary>
    public SunraLimits Limits { get; set; } = new();

    internal TimeSpan StatusPollInterval => TimeSpan.FromSeconds(StatusPollIntervalSeconds);

    internal TimeSpan KeepAlivePoll => TimeSpan.FromSeconds(KeepAlivePollSeconds);

    /// <summary>The shortest time between two polls of one remix: the keep-alive when Sunra calls back, the poll interval otherwise.</summary>
    internal TimeSpan ShortestPollInterval => TimeSpan.FromSeconds(CallbackBaseUrl is null ? StatusPollIntervalSeconds : Math.Max(KeepAlivePollSeconds, StatusPollIntervalSeconds));
}

/// <summary>
/// Sunra's rate limits on the whole account, as its queue documentation gives them; over them Sunra
/// answers 403. Raise them here when Sunra raises the account's.
/// </summary>
public sealed class SunraLimits
{
    [Range(1, 1_000_000)]
    public int SubmitsPerSecond { get; set; } = SunraAccountLimits.SubmitsPerSecond;

    [Range(1, 10_000_000)]
    public int SubmitsPerMinute { get; set; } = SunraAccountLimits.SubmitsPerMinute;

    /// <summary>Status, result, cancel and stream calls.</summary>
    [Range(1, 1_000_000)]
    public int OtherCallsPerSecond { get; set; } = SunraAccountLimits.OtherCallsPerSecond;

    [Range(1, 10_000_000)]
    public int OtherCallsPerMinute { get; set; } = SunraAccountLimits.OtherCallsPerMinute;

    /// <summary>How long a submit may wait for the account's budget before it is refused with 429.</summary>
    [Range(0, 10)]
    public double SubmitWaitSeconds { get; set; } = 2;

    /// <summary>
    /// The share of the other calls' budget that status polls may spend; the rest is kept for results,
    /// cancels and logs, so that a remix that has ended can always be read.
    /// </summary>
    [Range(0.1, 1)]
    public double PollShare { get; set; } = 0.8;
}
