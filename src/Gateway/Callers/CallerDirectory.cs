using System.Buffers;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Callers;

/// <summary>The configured callers, their key hashes as bytes and their resolved limits.</summary>
public sealed class CallerDirectory
{
    // A key this long or shorter is hashed from the stack; a longer one (no configured key is) from a rented buffer.
    private const int StackKeyBytes = 256;

    private readonly Caller[] _callers;

    // Asked on every request (its rate limit) and every submit (its quota): a lookup, not a search.
    private readonly FrozenDictionary<string, Caller> _byName;

    public CallerDirectory(IOptions<CallersOptions> options)
    {
        var settings = options.Value;
        _callers = [.. settings.Clients.Select(client => new Caller(
            client.Key,
            Convert.FromHexString(client.Value.KeySha256!),
            client.Value.SubmitsPerMinute ?? settings.Defaults.SubmitsPerMinute,
            client.Value.ReadsPerMinute ?? settings.Defaults.ReadsPerMinute,
            client.Value.DailySubmitQuota ?? settings.Defaults.DailySubmitQuota,
            client.Value.ConcurrentStreams ?? settings.Defaults.ConcurrentStreams,
            client.Value.WebhookSecret))];
        _byName = _callers.ToFrozenDictionary(caller => caller.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<Caller> All => _callers;

    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// The caller whose key this is, or null. Every configured hash is compared, in constant time,
    /// whether or not an earlier one matched, so the time taken says nothing about the keys.
    /// </summary>
    public Caller? Find(string presentedKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetByteCount(presentedKey);
        var rented = length > StackKeyBytes ? ArrayPool<byte>.Shared.Rent(length) : null;
        var utf8 = rented is null ? stackalloc byte[StackKeyBytes] : rented;
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(presentedKey, utf8)], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        Caller? found = null;
        foreach (var caller in _callers)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, caller.KeySha256))
            {
                found = caller;
            }
        }

        return found;
    }

    public Caller? Named(string? name) => name is null ? null : _byName.GetValueOrDefault(name);
}

/// <summary>A known caller and its limits.</summary>
public sealed record Caller(string Name, byte[] KeySha256, int SubmitsPerMinute, int ReadsPerMinute, int DailySubmitQuota, int ConcurrentStreams, string? WebhookSecret)
{
    /// <summary>Never the hash or the secret, whoever formats this record.</summary>
    public override string ToString() => Name;
}
