using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Sunra.Emulator;

/// <summary>
/// The emulated queue, request by request. A request's state is a function of the clock: it waits
/// <see cref="EmulatorOptions.QueueTime"/> in the queue, runs for <see cref="EmulatorOptions.RunTime"/>,
/// then completes, unless it was canceled first.
/// </summary>
public sealed class RequestLedger(EmulatorOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, EmulatedRequest> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<GenerationError> _scriptedFailures = new();

    public int Count => _requests.Count;

    /// <summary>Every request accepted so far: each one a paid generation on the real Sunra.</summary>
    public IReadOnlyList<EmulatedRequest> All => [.. _requests.Values];

    /// <summary>The next accepted submit will complete with <c>success: false</c> and this error.</summary>
    public void FailNextGeneration(string code, string message) =>
        _scriptedFailures.Enqueue(new GenerationError(code, message, null, clock.GetUtcNow()));

    /// <param name="endpointId">The model.</param>
    /// <param name="videoId">The input's video.</param>
    /// <param name="prompt">The input's prompt.</param>
    /// <param name="webhook">Where to POST the outcome when the request ends, if anywhere.</param>
    public EmulatedRequest Submit(string endpointId, string videoId, string prompt, Uri? webhook = null)
    {
        var id = NewRequestId();
        _scriptedFailures.TryDequeue(out var failure);
        var request = new EmulatedRequest(id, endpointId, videoId, prompt, clock.GetUtcNow(), failure, webhook);
        _requests[id] = request;
        ForgetOldest();
        return request;
    }

    /// <summary>How many requests the emulator keeps: it runs for hours in sandbox mode, so the oldest are forgotten (then 404, as an expired request).</summary>
    public const int Capacity = 10_000;

    // Forgets a batch at a time, so that a long run pays for the sort once per thousand submits.
    private void ForgetOldest()
    {
        if (_requests.Count <= Capacity + 1_000)
        {
            return;
        }

        lock (_requests)
        {
            foreach (var old in _requests.Values.OrderBy(request => request.SubmittedAt).Take(_requests.Count - Capacity).ToArray())
            {
                _requests.TryRemove(old.Id, out _);
            }
        }
    }

    public EmulatedRequest? Find(string id) => _requests.GetValueOrDefault(id);

    public QueueState StateOf(EmulatedRequest request)
    {
        var now = clock.GetUtcNow();
        if (request.CanceledAt is { } canceledAt && canceledAt <= now)
        {
            return QueueState.Canceled;
        }

        var elapsed = now - request.SubmittedAt;
        return elapsed < options.QueueTime ? QueueState.InQueue
            : elapsed < options.QueueTime + options.RunTime ? QueueState.InProgress
            : QueueState.Completed;
    }

    /// <summary>When the request completes, unless it is canceled first.</summary>
    public DateTimeOffset CompletesAt(EmulatedRequest request) => request.SubmittedAt + options.QueueTime + options.RunTime;

    /// <summary>How many requests still queued were submitted before this one (0-based, as Sunra counts).</summary>
    public int QueuePositionOf(EmulatedRequest request) =>
        _requests.Values.Count(other =>
            other.SubmittedAt < request.SubmittedAt && StateOf(other) == QueueState.InQueue);

    /// <summary>Cancels a request that has not completed; false when it already has.</summary>
    public bool TryCancel(EmulatedRequest request)
    {
        lock (request)
        {
            var state = StateOf(request);
            if (state == QueueState.Completed)
            {
                return false;
            }

            if (state != QueueState.Canceled)
            {
                request.CanceledAt = clock.GetUtcNow();
            }

            return true;
        }
    }

    public TimeSpan InferenceTime => options.RunTime;

    private static string NewRequestId() =>
        "pd_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
