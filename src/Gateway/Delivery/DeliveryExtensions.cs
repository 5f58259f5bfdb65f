namespace Gateway.Delivery;

public static class DeliveryExtensions
{
    /// <summary>Webhooks: the dispatcher on every replica (its waiting list is in the state store), and its guarded HTTP client.</summary>
    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<WebhookMetrics>();
        services.AddHostedService<WebhookDispatcher>();

        // No redirects (a redirect could lead anywhere), a connection guard against link-local
        // addresses, and no default logging: a webhook URL may hold the receiver's token.
        services.AddHttpClient(WebhookDispatcher.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ConnectCallback = Core.OutboundAddresses.GuardedConnectAsync,
                UseCookies = false,

                // Through a proxy the connection guard would see only the proxy's address.
                UseProxy = false,
            })
            .RemoveAllLoggers();
        return builder;
    }
}
