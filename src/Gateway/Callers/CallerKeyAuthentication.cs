using System.Security.Claims;
using System.Text.Encodings.Web;
using Gateway.Hosting;
using Gateway.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Sunra.Protocol;

namespace Gateway.Callers;

/// <summary>
/// Authenticates internal services by their own keys: <c>X-Api-Key: &lt;key&gt;</c>,
/// <c>Authorization: Bearer &lt;key&gt;</c>, or Sunra's own scheme <c>Authorization: Key &lt;key&gt;</c>
/// (so Sunra's clients and the model card's curl work with the caller's key in place of SUNRA_KEY).
/// One handler for every door, so a key means the same on each. A missing or unknown key is a 401 problem with a
/// <c>WWW-Authenticate</c> header; the reason is logged by caller-safe words only.
/// </summary>
public sealed class CallerKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CallerDirectory callers)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CallerKey";

    public const string Header = "X-Api-Key";


    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // A key is checked only where one is needed: the health routes, the document and (in sandbox
        // mode) the built-in emulator, which the gateway calls with its own Sunra key, are no business of it.
        var presented = PresentedKey(Request);
        if (presented is null || Context.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>() is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (presented.Length == 0 || callers.Find(presented) is not { } caller)
        {
            return Task.FromResult(AuthenticateResult.Fail("The key is not one of a known caller."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, caller.Name)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var missing = PresentedKey(Request) is null;
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"sora-remix-gateway\", ApiKey header=\"{Header}\"";
        return ProblemCatalog.Unauthenticated
            .With(missing
                ? ProblemCatalog.Unauthenticated.Detail
                : $"The key is not one of a known caller. Send your service's own key (not its hash) as '{Header}: <key>', 'Authorization: Bearer <key>' or 'Authorization: Key <key>'.")
            .WriteAsync(Context);
    }

    /// <summary>The key as sent, "" when a header is there but holds none, null when neither header is.</summary>
    private static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(Header, out var apiKey))
        {
            return apiKey.Count == 1 ? apiKey[0]!.Trim() : "";
        }

        var authorization = request.Headers.Authorization;
        if (authorization.Count == 0)
        {
            return null;
        }

        // Sunra's own rule: Bearer (the gateway's form, and Sunra's Python client's) or Key (curl, JavaScript, Java).
        return authorization.Count == 1 ? SunraAuthorization.KeyOf(authorization[0]) ?? "" : "";
    }
}
