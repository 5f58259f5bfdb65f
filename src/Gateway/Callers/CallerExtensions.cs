using Gateway.Remix;
using Gateway.State;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Callers;

public static class CallerExtensions
{
    /// <summary>Caller keys, ownership of remixes, and per-caller limits.</summary>
    public static WebApplicationBuilder AddCallers(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton<CallerDirectory>();
        services.TryAddSingleton(TimeProvider.System);

        // The authentication core and the scheme, without AddAuthentication()'s data protection: the
        // gateway issues no cookies or tokens, and data protection's key ring would write a key under
        // $HOME at every start (in a container, one that dies with it), loading XML and crypto to do so.
        services.AddAuthenticationCore(options => options.DefaultScheme = CallerKeyAuthentication.SchemeName);
        services.AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, CallerKeyAuthentication>(CallerKeyAuthentication.SchemeName, null);
        services.AddAuthorization();
        services.AddCallerLimits();
        return builder;
    }

    public static WebApplication UseCallers(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Answers 404 for a remix of another caller, exactly as for one that does not exist, before Sunra is asked.</summary>
    internal static async ValueTask<object?> OwnedByCaller(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var requestId = (string)http.GetRouteValue("request_id")!;
        var owner = await http.RequestServices.GetRequiredService<RemixOwners>().OwnerOfAsync(requestId);
        return owner is not null && owner == http.User.Identity?.Name
            ? await next(context)
            : RemixProblems.NotFound(requestId).ToResult(http);
    }
}
