using System.Net;
using System.Net.Sockets;

namespace Gateway.Core;

/// <summary>
/// Where the gateway never connects on a URL someone else chose (a caller's webhook, a file URL in
/// Sunra's answer): cloud metadata services and link-local addresses, even behind a name that is
/// allowed, and whatever that name resolves to at the moment of the call.
/// </summary>
public static class OutboundAddresses
{
    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>
    /// Where cloud metadata services answer: link-local 169.254.0.0/16 and fe80::/10, AWS's
    /// fd00:ec2::254, Alibaba's 100.100.100.200, and the unspecified addresses.
    /// </summary>
    public static bool IsMetadataOrLinkLocal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetwork
            ? address.GetAddressBytes() is [169, 254, ..] or [100, 100, 100, 200] || address.Equals(IPAddress.Any)
            : address.IsIPv6LinkLocal || address.Equals(IPAddress.IPv6Any) || address.Equals(AwsMetadataV6);
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to addresses that are not
    /// link-local, whatever the allowed name resolves to now: a name that passed an allow-list cannot be
    /// turned to a metadata service later. (Use it without a proxy: through one, it would see only the
    /// proxy's address.)
    /// </summary>
    public static async ValueTask<Stream> GuardedConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        var allowed = addresses.Where(address => !IsMetadataOrLinkLocal(address)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves only to link-local addresses; the gateway does not connect there.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
