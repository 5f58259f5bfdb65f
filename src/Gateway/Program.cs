using Gateway.Callers;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Remix;
using Gateway.Sandbox;
using Gateway.State;
using Gateway.Sunra;
using Gateway.SunraDoor;

var builder = WebApplication.CreateBuilder(SandboxExtensions.WithoutSandboxSwitch(args));
builder.AddGatewayLogging();
builder.AddGatewayTelemetry();
builder.AddGatewayJson();
builder.AddGatewayProblems();
builder.AddGatewayOpenApi();
builder.AddGatewayHealth();
builder.AddGatewayEdges();
builder.AddGatewayState();
builder.AddCallers();
builder.AddSunra();
builder.AddRemix();
builder.AddSunraDoor();
builder.AddWebhooks();
builder.AddSandbox(args);

var app = builder.Build();
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
app.MapSandbox();

return GatewayHost.Run(app);

/// <summary>The entry point, named for the test host.</summary>
public partial class Program;
