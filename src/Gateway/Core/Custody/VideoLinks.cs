using System.Security.Cryptography;
using System.Text;
using Gateway.State;
using Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Custody;

/// <summary>
/// Signed, expiring links to kept videos: <c>/videos/{request_id}?expires={unix seconds}&amp;signature={HMAC}</c>.
/// A link needs no caller key, so it plays in a browser's <c>&lt;video&gt;</c>; the HMAC-SHA256 over the
/// request id and the expiry proves the gateway made it, so no other remix's video and no later expiry
/// can be had from it. The key is <c>Gateway:Custody:LinkKey</c>, or one made once and kept in the
/// state store, which every replica shares.
/// </summary>
internal sealed class VideoLinks(IStateStore store, IOptions<CustodySettings> settings, TimeProvider clock) : IDisposable
{
    /// <summary>The route of kept videos.</summary>
    public const string Route = "/videos";

    private const string KeyKey = "custody:link-key";

    // A key made here lives as long as anything the gateway keeps: links must keep working across restarts.
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(3650);

    private readonly SemaphoreSlim _loading = new(1, 1);
    private byte[]? _key;

    private CustodyOptions Custody => settings.Value.Custody;

    /// <summary>
    /// A link to the remix's kept video. Its expiry is rounded up to the minute, so that reads within a
    /// minute give the same link (a browser's cache and a player's seeks keep one URL).
    /// </summary>
    public async Task<VideoLink> SignAsync(string requestId)
    {
        var key = await KeyAsync();
        var expires = clock.GetUtcNow().AddMinutes(Custody.LinkMinutes).ToUnixTimeSeconds();
        expires = (expires + 59) / 60 * 60;
        return new VideoLink($"{Route}/{requestId}?expires={expires}&signature={Signature(key, requestId, expires)}", DateTimeOffset.FromUnixTimeSeconds(expires));
    }

    /// <summary>Whether a link's expiry and signature are the gateway's for this remix, and still good.</summary>
    public async Task<LinkCheck> CheckAsync(string requestId, string? expires, string? signature)
    {
        if (!long.TryParse(expires, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expiresAt) || signature is not { Length: 43 })
        {
            return LinkCheck.Forged;
        }

        var expected = Encoding.ASCII.GetBytes(Signature(await KeyAsync(), requestId, expiresAt));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)))
        {
            return LinkCheck.Forged;
        }

        return clock.GetUtcNow().ToUnixTimeSeconds() < expiresAt ? LinkCheck.Good : LinkCheck.Expired;
    }

    public void Dispose() => _loading.Dispose();

    private static string Signature(byte[] key, string requestId, long expires) =>
        Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{requestId}\n{expires}")));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<byte[]> KeyAsync()
    {
        if (_key is { } known)
        {
            return known;
        }

        await _loading.WaitAsync();
        try
        {
            if (_key is not null)
            {
                return _key;
            }

            if (Custody.LinkKey is { } configured)
            {
                return _key = Convert.FromBase64String(configured);
            }

            // The first replica to ask makes it; every other one reads that one.
            await store.AddAsync(KeyKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), KeyLifetime);
            return _key = Convert.FromBase64String(await store.GetAsync(KeyKey)
                ?? throw new StateStoreUnavailableException("The link key vanished from the state store as it was made.", null));
        }
        finally
        {
            _loading.Release();
        }
    }
}

/// <summary>A signed link: its path and query, relative to the gateway's own address, and when it stops working.</summary>
public sealed record VideoLink(string RelativeUrl, DateTimeOffset ExpiresAt);

public enum LinkCheck
{
    Good,

    /// <summary>Not signed by the gateway for this remix and expiry: changed, or another remix's.</summary>
    Forged,

    /// <summary>The gateway's, but past its expiry.</summary>
    Expired,
}
