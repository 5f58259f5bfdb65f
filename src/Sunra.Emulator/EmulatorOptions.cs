namespace Sunra.Emulator;

/// <summary>How the emulated Sunra queue behaves: its key, the pace of a generation, its account limits, and whether it keeps the calls it gets.</summary>
public sealed class EmulatorOptions
{
    public const string Section = "Emulator";

    /// <summary>The only key accepted in <c>Authorization: Key …</c>; when null any non-empty key is accepted.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long a request waits in the queue before it starts.</summary>
    public TimeSpan QueueTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a started request runs before it completes.</summary>
    public TimeSpan RunTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Sunra's account limits (<c>Emulator:Limits</c>), enforced unless <see cref="EmulatorLimits.Enforce"/> is off.</summary>
    public EmulatorLimits Limits { get; set; } = new();

    /// <summary>How often the status stream looks for a change.</summary>
    public TimeSpan StreamInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Keep the calls received, bodies included, in <see cref="CallLog"/>, and the webhook callbacks
    /// made, URLs included, in <see cref="WebhookLog"/>, for tests to read. Off unless asked for: the
    /// emulator run alone, or in the gateway's sandbox mode, keeps no prompt it was sent and no webhook
    /// URL (which may carry a secret). <see cref="EmulatorServer"/> turns it on.
    /// </summary>
    public bool RecordCalls { get; set; }
}
