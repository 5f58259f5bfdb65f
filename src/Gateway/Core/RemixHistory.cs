using Gateway.State;

namespace Gateway.Core;

/// <summary>
/// A caller's own remixes, newest first, in pages: read from the caller's index of records
/// (<see cref="RemixRecords"/>), never from a scan, so another caller's remixes cannot appear. A record
/// whose state is not final shows the latest status the gateway knows (<see cref="StatusPolls"/>), which
/// may be newer than the record; the record then catches up.
/// </summary>
internal sealed class RemixHistory(RemixRecords records, StatusPolls polls)
{
    /// <summary>
    /// The most index entries one page looks at: with a status filter that few records match, a page
    /// may end short of its limit, and says that there is more (<see cref="RecordPage.Next"/>).
    /// </summary>
    internal const int MostScanned = 1000;

    private const int FilteredBatch = 100;

    /// <param name="caller">Whose remixes.</param>
    /// <param name="status">Only the remixes in this state, when given.</param>
    /// <param name="limit">At most this many (1 to 100).</param>
    /// <param name="after">Where the previous page ended (its <see cref="RecordPage.Next"/>), or null for the newest.</param>
    public async Task<RecordPage> ListAsync(string caller, RemixState? status, int limit, IndexEntry? after)
    {
        var found = new List<(RemixRecord Record, IndexEntry At)>();
        var position = after;
        var scanned = 0;
        while (true)
        {
            // One more than the page holds, to know whether there is a next page.
            var batch = Math.Min(status is null ? limit + 1 - found.Count : FilteredBatch, MostScanned - scanned);
            var entries = await records.PageAsync(caller, position, batch);
            var read = await Task.WhenAll(entries.Select(entry => LatestAsync(entry.Member)));
            for (var i = 0; i < entries.Count; i++)
            {
                position = entries[i];
                scanned++;
                if (read[i] is not { } record || record.Caller != caller || (status is { } wanted && record.Status != wanted))
                {
                    continue;
                }

                found.Add((record, entries[i]));
                if (found.Count > limit)
                {
                    return new RecordPage([.. found[..limit].Select(item => item.Record)], found[limit - 1].At);
                }
            }

            var page = found.Select(item => item.Record).ToList();
            if (entries.Count < batch)
            {
                return new RecordPage(page, null);
            }

            if (scanned >= MostScanned)
            {
                return new RecordPage(page, position);
            }
        }
    }

    // A record deleted or expired between the index and the read is skipped.
    private async Task<RemixRecord?> LatestAsync(string requestId)
    {
        var record = await records.FindAsync(requestId);
        if (record is null or { Status: RemixState.Completed or RemixState.Canceled } || await polls.KnownAsync(requestId) is not { } known)
        {
            return record;
        }

        if (record.IsBehind(known))
        {
            await records.NoteAsync(known);
            return record.With(known, record.StatusSeenAt);
        }

        return known.Status == record.Status && known.SeenAt > record.StatusSeenAt ? record with { StatusSeenAt = known.SeenAt.Value } : record;
    }
}

/// <summary>A page of a caller's records, newest first, and where the next page starts (null when there is none).</summary>
internal sealed record RecordPage(IReadOnlyList<RemixRecord> Records, IndexEntry? Next);
