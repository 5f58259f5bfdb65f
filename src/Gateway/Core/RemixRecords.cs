using System.Text.Json;
using Gateway.Core.Custody;
using Gateway.State;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// The records of the remixes the gateway bought (<see cref="RemixRecord"/>), in the state store: each
/// at <c>record:{request_id}</c>, which runs out <c>Gateway:Records:RetentionDays</c> after its submit;
/// an index per caller (<c>records-of:{caller}</c>, scored by the submit's instant), which the list
/// pages through, newest first, instead of scanning the store; and one index of every record by the same
/// instant (<c>records:expiring</c>), from which the <see cref="RecordSweeper"/> takes the expired ones
/// out of their caller's index.
/// </summary>
internal sealed partial class RemixRecords(IStateStore store, IOptions<RemixOptions> options, TimeProvider clock, ILogger<RemixRecords> logger)
{
    private const string Expiring = "records:expiring";

    // A status that another replica changed at the same moment is read again, a few times at most.
    private const int NoteAttempts = 3;

    private RecordsOptions Settings => options.Value.Records;

    /// <summary>The record of a remix Sunra just accepted.</summary>
    public RemixRecord New(string requestId, string caller, RemixOrder order, RemixState status)
    {
        var now = clock.GetUtcNow();
        return new RemixRecord
        {
            RequestId = requestId,
            Caller = caller,
            SubmittedAt = now,
            VideoId = order.VideoId,
            Prompt = Settings.KeepPrompts ? order.Prompt : null,
            Status = status,
            StatusSeenAt = now,
        };
    }

    /// <summary>
    /// Keeps a new record and indexes it. Safe to repeat (the <see cref="RecordKeeper"/> retries it
    /// while the store is away): a record that a status already moved on is not put back.
    /// </summary>
    public async Task KeepAsync(RemixRecord record)
    {
        // Together, so that a submit waits one round trip for them: a list skips an entry whose record is not there (yet).
        var score = record.SubmittedAt.ToUnixTimeMilliseconds();
        await Task.WhenAll(
            store.AddAsync(Key(record.RequestId), Serialize(record), TimeLeft(record)),
            store.IndexAsync(IndexOf(record.Caller), record.RequestId, score),
            store.IndexAsync(Expiring, ExpiringMember(record.RequestId, record.Caller), score));
    }

    /// <summary>The record, or null when there is none (never kept, deleted, or expired).</summary>
    public async Task<RemixRecord?> FindAsync(string requestId)
    {
        try
        {
            return await store.GetAsync(Key(requestId)) is { } json ? JsonSerializer.Deserialize(json, CoreJsonContext.Default.RemixRecord) : null;
        }
        catch (JsonException)
        {
            // Kept by another version in a shape this one cannot read: as if there were none.
            return null;
        }
    }

    /// <summary>The caller's index, newest first, after <paramref name="after"/>.</summary>
    public Task<IReadOnlyList<IndexEntry>> PageAsync(string caller, IndexEntry? after, int count) =>
        store.IndexPageAsync(IndexOf(caller), after, count);

    /// <summary>
    /// Brings the record up to a status the gateway learned, when it is a later state (see
    /// <see cref="RemixRecord.IsBehind"/>). Only while the store answers: a status missed here is caught
    /// up when the record is listed (<see cref="RemixHistory"/>).
    /// </summary>
    public Task NoteAsync(RemixStatus status) =>
        ChangeAsync(status.RequestId, "status " + status.Status.WireName(), record => record.IsBehind(status) ? record.With(status, clock.GetUtcNow()) : null);

    /// <summary>
    /// Notes where the gateway keeps the remix's video, or that it no longer does (null), only while the
    /// store answers: the kept result is what answers for it.
    /// </summary>
    public Task NoteKeptAsync(string requestId, KeptVideo? video) =>
        ChangeAsync(requestId, "its kept video", record => record with { KeptVideo = video });

    // Reads the record and writes it changed, again if another replica changed it in between (a few
    // times at most); nothing when there is no record or the change is null.
    private async Task ChangeAsync(string requestId, string what, Func<RemixRecord, RemixRecord?> change)
    {
        try
        {
            for (var attempt = 0; attempt < NoteAttempts; attempt++)
            {
                if (await store.GetAsync(Key(requestId)) is not { } json
                    || JsonSerializer.Deserialize(json, CoreJsonContext.Default.RemixRecord) is not { } record
                    || change(record) is not { } updated)
                {
                    return;
                }

                if (await store.ReplaceAsync(Key(requestId), json, Serialize(updated), TimeLeft(updated)))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is StateStoreUnavailableException or JsonException)
        {
            LogNotNoted(requestId, what);
        }
    }

    /// <summary>Removes the record and its index entries.</summary>
    public async Task ForgetAsync(string requestId, string caller)
    {
        await Task.WhenAll(
            store.RemoveAsync(Key(requestId)),
            store.UnindexAsync(IndexOf(caller), requestId),
            store.UnindexAsync(Expiring, ExpiringMember(requestId, caller)));
    }

    /// <summary>
    /// Up to <paramref name="count"/> records submitted more than <c>Gateway:Records:RetentionDays</c> ago
    /// (fewer than asked: there are no more), oldest first, still indexed: <see cref="ForgetAsync"/> each.
    /// </summary>
    public async Task<IReadOnlyList<(string RequestId, string Caller)>> ExpiredAsync(int count)
    {
        var cutoff = (clock.GetUtcNow() - Settings.Retention).ToUnixTimeMilliseconds();
        var expired = await store.IndexedUpToAsync(Expiring, cutoff, count);
        return [.. expired.Select(entry =>
        {
            var separator = entry.Member.IndexOf(' ', StringComparison.Ordinal);
            return (entry.Member[..separator], entry.Member[(separator + 1)..]);
        })];
    }

    // The record's own time to live runs from its submit, however often it is written again.
    private TimeSpan TimeLeft(RemixRecord record)
    {
        var left = record.SubmittedAt + Settings.Retention - clock.GetUtcNow();
        return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
    }

    private static string Serialize(RemixRecord record) => JsonSerializer.Serialize(record, CoreJsonContext.Default.RemixRecord);

    private static string Key(string requestId) => "record:" + requestId;

    private static string IndexOf(string caller) => "records-of:" + caller;

    // A request id has no space (RequestIds), so the first one ends it, whatever the caller's name holds.
    private static string ExpiringMember(string requestId, string caller) => requestId + " " + caller;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not note {Change} in the record of remix {RequestId}: the store is away (a status is caught up when the record is listed)")]
    private partial void LogNotNoted(string requestId, string change);
}
