using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Callers;

/// <summary>The configured callers, their key hashes as bytes and their resolved limits.</summary>
public sealed class CallerDirectory
{
    private readonly Caller[] _callers;

    public CallerDirectory(IOptions<GatewayOptions> options)
    {
        var gateway = options.Value;
        _callers = [.. gateway.Clients.Select(client => new Caller(
            client.Key,
            Convert.FromHexString(client.Value.KeySha256!),
            client.Value.SubmitsPerMinute ?? gateway.Defaults.SubmitsPerMinute,
            client.Value.ReadsPerMinute ?? gateway.Defaults.ReadsPerMinute,
            client.Value.DailySubmitQuota ?? gateway.Defaults.DailySubmitQuota,
            client.Value.ConcurrentStreams ?? gateway.Defaults.ConcurrentStreams,
            client.Value.WebhookSecret))];
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
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), hash);
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

    public Caller? Named(string? name) => _callers.FirstOrDefault(c => c.Name == name);
}

/// <summary>A known caller and its limits.</summary>
public sealed record Caller(string Name, byte[] KeySha256, int SubmitsPerMinute, int ReadsPerMinute, int DailySubmitQuota, int ConcurrentStreams, string? WebhookSecret)
{
    /// <summary>Never the hash or the secret, whoever formats this record.</summary>
    public override string ToString() => Name;
}
