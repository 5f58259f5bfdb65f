using Gateway.Callers;
using Gateway.Core;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Remix;
using Gateway.Sandbox;
using Gateway.State;
using Gateway.Storage;
using Gateway.Sunra;
using Gateway.SunraCallbacks;
using Gateway.SunraDoor;
using Gateway.Videos;

// Infrastructure first, then the adapters, the core, and the doors over it.
var builder = GatewayHost.CreateBuilder(SandboxExtensions.WithoutSandboxSwitch(args));
builder.AddGatewayLogging();
builder.AddGatewayTelemetry();
builder.AddGatewayJson();
builder.AddGatewayProblems();
builder.AddGatewayOpenApi();
builder.AddGatewayHealth();
builder.AddGatewayEdges();
builder.AddGatewayState();
builder.AddVideoStorage();
builder.AddCallers();
builder.AddSunra();
builder.AddRemixCore();
builder.AddWebhooks();
builder.AddRemixDoor();
builder.AddSunraDoor();
builder.AddSunraCallbacks();
builder.AddKeptVideoDoor();
builder.AddSandbox(args);

return GatewayHost.Run(builder, app =>
{
    app.UseGatewayForwardedHeaders();
    app.UseGatewayRequestLogging();
    app.UseGatewayProblems();
    app.UseGatewayEdges();
    app.UseSunraDoor();

    // After the doors that turn a call into another route's (the Sunra client proxy), before the callers' checks.
    app.UseRouting();
    app.UseCallers();
    app.MapGatewayOpenApi();
    app.MapGatewayHealth();
    app.MapGatewayTelemetry();
    app.MapRemix();
    app.MapSunraDoor();
    app.MapSunraCallbacks();
    app.MapKeptVideos();
    app.MapSandbox();
});

/// <summary>The entry point, named for the test host.</summary>
public partial class Program;
