using System.Diagnostics.CodeAnalysis;
using Gateway.Hosting;
using Gateway.Problems;

namespace Gateway.Core;

/// <summary>
/// One remix followed by one or more streams of this replica: one reader keeps its latest status, and
/// each change wakes every follower at once (<see cref="Look"/>). The reader reads the kept status when
/// it would turn stale (<see cref="StatusWatches.NextReadIn"/>), which starts the remix's poll, and at
/// once when another replica announces a change; a change on this replica needs no read. The watch ends
/// at the final status, when its last follower leaves, when the replica shuts down, or when reading
/// again cannot help: the remix is unknown, the gateway's key is refused, or five reads in a row failed
/// (a follower that reconnects is told why by its first, checked, read).
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "Its token source has no timer and no linked token: there is nothing to release, and disposing it would race the End that cancels it.")]
internal sealed class RemixWatch(string requestId, StatusWatches watches)
{
    private const int MaxFailures = 5;

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private RemixStatus? _status;
    private TaskCompletionSource _next = NewSignal();
    private TaskCompletionSource _wake = NewSignal();
    private int _followers;
    private bool _started;
    private bool _ended;

    public string RequestId => requestId;

    /// <summary>The latest status, whether the watch has ended, and a task that completes at the next change (or the end).</summary>
    public (RemixStatus? Status, bool Ended, Task Next) Look()
    {
        lock (_gate)
        {
            return (_status, _ended, _next.Task);
        }
    }

    /// <summary>One follower more, with the status it read; false when the watch has already ended.</summary>
    public bool TryJoin(RemixStatus first)
    {
        bool start;
        bool final;
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }

            _followers++;
            start = !_started;
            _started = true;
            OfferLocked(first);
            final = _status is { IsFinal: true };
        }

        if (final)
        {
            End();
        }
        else if (start)
        {
            _ = ReadAsync();
        }

        return true;
    }

    /// <summary>A follower leaves; the last one ends the watch.</summary>
    public void Leave()
    {
        watches.Left();

        // Ended under the same lock that counted the follower out: a follower joining meanwhile either
        // came first (and keeps the watch going) or finds it ended (and starts another).
        lock (_gate)
        {
            if (--_followers > 0 || !EndLocked())
            {
                return;
            }
        }

        Finish();
    }

    /// <summary>News of a change: the status when it changed on this replica, or null to read it again at once.</summary>
    public void Heard(RemixStatus? status)
    {
        if (status is null)
        {
            Volatile.Read(ref _wake).TrySetResult();
            return;
        }

        Offer(status);
    }

    /// <summary>Ends the watch: its reader stops, its followers end their streams.</summary>
    public void End()
    {
        lock (_gate)
        {
            if (!EndLocked())
            {
                return;
            }
        }

        Finish();
    }

    // False when it had already ended. The followers wake on their own threads (the signal runs its
    // continuations asynchronously), not under the lock.
    private bool EndLocked()
    {
        if (_ended)
        {
            return false;
        }

        _ended = true;
        _next.TrySetResult();
        return true;
    }

    private void Finish()
    {
        watches.Ended(this);
        _stop.Cancel();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Offer(RemixStatus status)
    {
        bool final;
        lock (_gate)
        {
            OfferLocked(status);
            final = _status is { IsFinal: true };
        }

        if (final)
        {
            End();
        }
    }

    // A newer status replaces the one kept (a final one is never replaced); a change wakes the followers.
    private void OfferLocked(RemixStatus status)
    {
        if (_status is not null && (_status.IsFinal || (!status.IsFinal && status.SeenAt < _status.SeenAt)))
        {
            return;
        }

        var changed = _status?.ChangeKey != status.ChangeKey;
        _status = status;
        if (changed)
        {
            var woken = _next;
            _next = NewSignal();
            woken.TrySetResult();
        }
    }

    private async Task ReadAsync()
    {
        var stop = _stop.Token;
        var failures = 0;
        TimeSpan? retryIn = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var wake = Volatile.Read(ref _wake);
                var status = Look().Status!;
                await Task.WhenAny(wake.Task, Task.Delay(retryIn ?? watches.NextReadIn(status), watches.Clock, stop));
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                if (wake.Task.IsCompleted)
                {
                    Interlocked.CompareExchange(ref _wake, NewSignal(), wake);
                }

                var read = await watches.Polls.ReadAsync(requestId, stop);
                if (!read.Failed)
                {
                    failures = 0;
                    retryIn = null;
                    Offer(read.Value);
                    continue;
                }

                if (read.Problem.Type == ProblemCatalog.RemixNotFound || read.Problem.Type == ProblemCatalog.UpstreamCredentials || ++failures >= MaxFailures)
                {
                    End();
                    return;
                }

                var backoff = Backoff.Exponential(watches.FirstRetry, failures, TimeSpan.MaxValue);
                retryIn = read.Problem.RetryAfter is { } retryAfter && retryAfter > backoff ? retryAfter : backoff;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ended while reading.
        }
        catch (Exception e)
        {
            // A reader that stopped would leave its followers waiting for ever: they end, and reconnect.
            watches.ReadFailed(requestId, e);
            End();
        }
    }
}
