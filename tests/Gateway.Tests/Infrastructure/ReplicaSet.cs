using Gateway.Callers;
using Sunra.Emulator;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway as it is deployed, on loopback: a real redis-server, replicas of the published
/// gateway (<c>dotnet Gateway.dll</c>, as the container runs it) and nginx in front, with the
/// emulator as Sunra.
/// </summary>
public sealed class ReplicaSet : IAsyncDisposable
{
    /// <summary>The secret that signs the webhooks of the caller "orders".</summary>
    public const string OrdersWebhookSecret = "orders-webhook-secret-replicas-7c2e";

    /// <summary>A caller with a daily quota of 3, to show that limits are counted across replicas.</summary>
    public const string QuotaCallerKey = "quota-key-5d4c3b2a19081726354453627180919a";

    private readonly string _gatewayDll;
    private readonly Dictionary<string, string?> _environment;

    private ReplicaSet(string gatewayDll, RedisServer redis, EmulatorServer sunra, GatewayProcess[] replicas, NginxBalancer balancer, Dictionary<string, string?> environment)
    {
        _gatewayDll = gatewayDll;
        Redis = redis;
        Sunra = sunra;
        Replicas = replicas;
        Balancer = balancer;
        _environment = environment;
    }

    public RedisServer Redis { get; }

    public EmulatorServer Sunra { get; }

    public GatewayProcess[] Replicas { get; }

    public NginxBalancer Balancer { get; }

    public static Task<ReplicaSet> StartAsync(int replicas, Action<EmulatorOptions>? emulator, CancellationToken cancellationToken) =>
        StartAsync(replicas, emulator, new Dictionary<string, string?>(), cancellationToken);

    /// <summary>
    /// Starts the set with <paramref name="settings"/> on top of its own (a null value removes one of them, e.g. to restore a default).
    /// A value may name a replica's address before it starts, as <c>{replica0}</c>, <c>{replica1}</c>...
    /// (e.g. <c>Sunra__CallbackBaseUrl</c>, for the emulator to call back).
    /// </summary>
    /// <param name="replicas">How many gateway processes.</param>
    /// <param name="emulator">How Sunra behaves, e.g. its account limits.</param>
    /// <param name="settings">Environment variables of every replica, e.g. <c>Sunra__Limits__SubmitsPerMinute</c>.</param>
    /// <param name="cancellationToken">The test's.</param>
    public static async Task<ReplicaSet> StartAsync(
        int replicas, Action<EmulatorOptions>? emulator, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var gatewayDll = await PublishedGateway.PathAsync(cancellationToken);
        var redis = await RedisServer.StartNewAsync(cancellationToken);
        var sunra = await EmulatorServer.StartAsync(options =>
        {
            options.ApiKey = GatewayFactory.SunraKey;
            emulator?.Invoke(options);
        });
        var environment = new Dictionary<string, string?>
        {
            ["SUNRA_KEY"] = GatewayFactory.SunraKey,
            ["Sunra__BaseUrl"] = sunra.BaseUrl.ToString(),
            ["Sunra__TimeoutSeconds"] = "3",
            ["Sunra__StatusPollIntervalSeconds"] = "0.1",
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
            ["Gateway__Clients__orders__KeySha256"] = CallerDirectory.HashOf(GatewayFactory.OrdersKey),
            ["Gateway__Clients__orders__WebhookSecret"] = OrdersWebhookSecret,
            ["Gateway__Webhooks__AllowedHosts__0"] = "127.0.0.1",
            ["Gateway__Webhooks__FirstRetrySeconds"] = "0.2",
            ["Gateway__Custody__Enabled"] = "false",
            ["Gateway__Clients__billing__KeySha256"] = CallerDirectory.HashOf(GatewayFactory.BillingKey),
            ["Gateway__Clients__quota__KeySha256"] = CallerDirectory.HashOf(QuotaCallerKey),
            ["Gateway__Clients__quota__DailySubmitQuota"] = "3",
            ["Gateway__Defaults__SubmitsPerMinute"] = "100000",
            ["Gateway__Defaults__ReadsPerMinute"] = "100000",
            ["Gateway__Defaults__DailySubmitQuota"] = "100000",
        };
        var ports = Enumerable.Range(0, replicas).Select(_ => GatewayProcess.FreePort()).ToArray();
        foreach (var (name, value) in settings)
        {
            environment[name] = ports.Index().Aggregate(value, (named, port) => named?.Replace($"{{replica{port.Index}}}", $"http://127.0.0.1:{port.Item}", StringComparison.Ordinal));
        }

        var started = ports.Select(port => GatewayProcess.Start(gatewayDll, [], environment, port)).ToArray();
        await Task.WhenAll(started.Select(replica => replica.WaitUntilReadyAsync(cancellationToken)));
        var balancer = await NginxBalancer.StartAsync([.. started.Select(replica => replica.Address)], cancellationToken);
        return new ReplicaSet(gatewayDll, redis, sunra, started, balancer, environment);
    }

    /// <summary>Starts replica <paramref name="index"/> again, on its old port, after it died.</summary>
    public async Task RestartAsync(int index, CancellationToken cancellationToken)
    {
        var old = Replicas[index];
        await old.DisposeAsync();
        Replicas[index] = GatewayProcess.Start(_gatewayDll, [], _environment, old.Port);
        await Replicas[index].WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>A client of this replica (or of the load balancer when null), as the caller with this key.</summary>
    public HttpClient Client(GatewayProcess? replica, string key = GatewayFactory.OrdersKey)
    {
        var client = new HttpClient { BaseAddress = replica?.Address ?? Balancer.Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Balancer.DisposeAsync();
        foreach (var replica in Replicas)
        {
            await replica.DisposeAsync();
        }

        await Sunra.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
