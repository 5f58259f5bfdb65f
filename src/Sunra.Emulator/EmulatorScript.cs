using System.Collections.Concurrent;

namespace Sunra.Emulator;

/// <summary>The queue operations of the protocol, as a fault names them.</summary>
public enum SunraOperation
{
    Submit,
    Status,
    StatusStream,
    Result,
    Cancel,
}

/// <summary>
/// An answer the emulator gives instead of the real one. <see cref="Body"/> may hold
/// <c>{credential}</c>, replaced by the credential the caller presented, to act out an upstream
/// that echoes the key back.
/// </summary>
public sealed record Fault(int StatusCode, string? Body = null, string ContentType = "application/json")
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Hold the answer back this long first (a slow or hung upstream).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Drop the connection instead of answering.</summary>
    public bool Abort { get; init; }

    /// <summary>
    /// Carry the operation out as usual first, then apply the fault to its answer: with
    /// <see cref="Abort"/>, Sunra accepted a submit whose answer is lost; with a <see cref="Delay"/>
    /// alone, the real answer arrives late. <see cref="StatusCode"/> and <see cref="Body"/> are unused.
    /// </summary>
    public bool Process { get; init; }
}

/// <summary>
/// Faults lined up by the tests, each used once, in order, for its operation; and webhook callbacks to
/// lose.
/// </summary>
public sealed class EmulatorScript
{
    private readonly ConcurrentDictionary<SunraOperation, ConcurrentQueue<Fault>> _faults = new();

    private int _webhooksToDrop;

    public void Enqueue(SunraOperation operation, Fault fault, int times = 1)
    {
        var queue = _faults.GetOrAdd(operation, _ => new ConcurrentQueue<Fault>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    /// <summary>
    /// Loses the next <paramref name="count"/> webhook callbacks, whichever requests they are for: the
    /// emulator never sends them, as a callback lost on the way (<see cref="WebhookOutcome.Dropped"/>).
    /// </summary>
    public void DropWebhooks(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Interlocked.Add(ref _webhooksToDrop, count);
    }

    /// <summary>Drops every fault not yet used, and every webhook callback still to lose.</summary>
    public void Clear()
    {
        _faults.Clear();
        Interlocked.Exchange(ref _webhooksToDrop, 0);
    }

    internal bool TryDropWebhook()
    {
        var left = Volatile.Read(ref _webhooksToDrop);
        while (left > 0)
        {
            var seen = Interlocked.CompareExchange(ref _webhooksToDrop, left - 1, left);
            if (seen == left)
            {
                return true;
            }

            left = seen;
        }

        return false;
    }

    internal Fault? Next(SunraOperation operation) =>
        _faults.TryGetValue(operation, out var queue) && queue.TryDequeue(out var fault) ? fault : null;
}
