using Gateway.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Callers;

public static class CallerExtensions
{
    /// <summary>Caller keys (authentication), the callers' settings and their per-caller limits.</summary>
    public static WebApplicationBuilder AddCallers(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddGatewayOptions<CallersOptions>();
        services.AddSingleton<IValidateOptions<CallersOptions>, CallersOptionsValidator>();
        services.AddSingleton<CallerDirectory>();
        services.AllowCorsHeader(CallerKeyAuthentication.Header);

        // The authentication core and the scheme, without AddAuthentication()'s data protection: the
        // gateway issues no cookies or tokens, and data protection's key ring would write a key under
        // $HOME at every start (in a container, one that dies with it), loading XML and crypto to do so.
        services.AddAuthenticationCore(options => options.DefaultScheme = CallerKeyAuthentication.SchemeName);
        services.AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, CallerKeyAuthentication>(CallerKeyAuthentication.SchemeName, null);
        services.AddAuthorization();
        services.AddCallerPolicies();
        services.AddOpenApiParts(openApi =>
        {
            openApi.AddDocumentTransformer<CallerKeySecurityTransformer>();
            openApi.AddOperationTransformer<CallerKeySecurityTransformer>();
        });
        return builder;
    }

    public static WebApplication UseCallers(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The caller a request was authenticated as; the routes that ask require one.</summary>
    public static string CallerName(this HttpContext http) =>
        http.User.Identity?.Name ?? throw new InvalidOperationException("The route requires an authenticated caller.");
}
