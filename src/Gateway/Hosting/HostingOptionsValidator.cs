using System.Net;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Names the edge setting at fault, at start-up.</summary>
internal sealed class HostingOptionsValidator : IValidateOptions<HostingOptions>
{
    public ValidateOptionsResult Validate(string? name, HostingOptions options)
    {
        var forwarded = options.ForwardedHeaders;
        string[] failures =
        [
            .. forwarded.KnownProxies.Where(proxy => !IPAddress.TryParse(proxy, out _))
                .Select(proxy => $"Gateway:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address."),
            .. forwarded.KnownNetworks.Where(network => !System.Net.IPNetwork.TryParse(network, out _))
                .Select(network => $"Gateway:ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR form (such as 10.0.0.0/8)."),
        ];
        return failures.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
