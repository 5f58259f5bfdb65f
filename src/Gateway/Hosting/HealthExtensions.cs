using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Gateway.Hosting;

public static class HealthExtensions
{
    /// <summary>The tag of checks that must pass before a replica takes traffic.</summary>
    public const string Ready = "ready";

    public static WebApplicationBuilder AddGatewayHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: the checks tagged <see cref="Ready"/> pass.</summary>
    public static WebApplication MapGatewayHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) });
        return app;
    }
}
