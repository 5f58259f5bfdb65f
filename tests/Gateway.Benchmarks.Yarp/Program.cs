// A plain YARP reverse proxy, the benchmark's yardstick: every request goes as it is to the
// upstream named by the Upstream setting, and nothing is validated, authenticated or counted.
// Its logging is at Warning, so it writes nothing per request (the gateway writes one line).
using Yarp.ReverseProxy.Configuration;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "{**path}" } }],
    [new ClusterConfig
    {
        ClusterId = "upstream",
        Destinations = new Dictionary<string, DestinationConfig>
        {
            ["upstream"] = new() { Address = builder.Configuration["Upstream"] ?? throw new InvalidOperationException("Set Upstream to the upstream's base URL.") },
        },
    }]);

var app = builder.Build();

// The benchmark reads the allocations of the run from here, as it reads the gateway's from /metrics.
app.MapGet("/allocated-bytes", () => GC.GetTotalAllocatedBytes());
app.MapReverseProxy();
app.Run();
