using System.ComponentModel.DataAnnotations;

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

    /// <summary>How often a status stream asks Sunra for news.</summary>
    [Range(0.05, 60)]
    public double StatusPollIntervalSeconds { get; set; } = 1;

    internal TimeSpan StatusPollInterval => TimeSpan.FromSeconds(StatusPollIntervalSeconds);
}
