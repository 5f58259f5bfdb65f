using System.Security.Cryptography;
using Gateway.Callers;
using Gateway.Storage;
using Gateway.Sunra;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sunra.Emulator;

namespace Gateway.Sandbox;

/// <summary>
/// Sandbox mode: the gateway serves the Sunra emulator itself, under <see cref="Prefix"/>, and its
/// Refit client calls that over loopback HTTP with a key made up at start-up. Everything between
/// the caller and the emulator (validation, the key handler, error translation) runs as in
/// production; the sample video is served by the gateway too.
/// </summary>
public static partial class SandboxExtensions
{
    public const string Prefix = "/sandbox/sunra";

    public const string Switch = "--sandbox";

    private const string Setting = $"{SunraOptions.Section}:{nameof(SunraOptions.Sandbox)}";

    /// <summary>The built-in caller's key in sandbox mode, printed at start-up and shown in the README.</summary>
    public const string CallerKey = "sandbox-caller-key";

    public const string CallerName = "sandbox";

    /// <summary>The arguments without <c>--sandbox</c>, which the command-line provider would misread as a key awaiting a value.</summary>
    public static string[] WithoutSandboxSwitch(string[] args) => [.. args.Where(arg => arg != Switch)];

    /// <summary>
    /// Whether to compose the gateway around the built-in emulator. The mode decides which services
    /// exist, so it is read before the options are bound; a value that is not a boolean composes the
    /// ordinary gateway, whose start then stops on it with the other settings (SunraOptions).
    /// </summary>
    public static bool IsSandbox(this IConfiguration configuration) => bool.TryParse(configuration[Setting], out var sandbox) && sandbox;

    public static WebApplicationBuilder AddSandbox(this WebApplicationBuilder builder, string[] args)
    {
        if (args.Contains(Switch))
        {
            builder.Configuration.AddInMemoryCollection([new(Setting, "true")]);
        }

        if (!builder.Configuration.IsSandbox())
        {
            return builder;
        }

        builder.Configuration.AddInMemoryCollection([new($"Gateway:Clients:{CallerName}:KeySha256", CallerDirectory.HashOf(CallerKey))]);

        var key = "sandbox_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        builder.Services.AddSunraEmulator(options =>
        {
            options.ApiKey = key;
            options.RecordCalls = false;
        });
        builder.Services.Replace(ServiceDescriptor.Singleton(new SunraKey(key)));
        builder.Services.Replace(ServiceDescriptor.Singleton<ISunraBaseAddress, SandboxBaseAddress>());

        // The emulator's files are served by the gateway itself, on loopback (SandboxBaseAddress): its copies come from there.
        builder.Services.PostConfigure<CustodySettings>(settings =>
            settings.Custody.AllowedSourceHosts = [.. settings.Custody.SourceHosts, "127.0.0.1", "localhost"]);
        return builder;
    }

    public static WebApplication MapSandbox(this WebApplication app)
    {
        if (app.Configuration.IsSandbox())
        {
            app.MapSunraEmulator(Prefix);
            LogSandbox(app.Logger, Prefix, CallerKey);
        }

        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox mode: remixes go to the built-in Sunra emulator at {Prefix}, not to Sunra. Try it with the caller key {SandboxCallerKey} (X-Api-Key header, or Authorize in Swagger UI)")]
    private static partial void LogSandbox(ILogger logger, string prefix, string sandboxCallerKey);
}

/// <summary>The gateway's own listening address, found once the server runs, as the emulator's base URL.</summary>
internal sealed class SandboxBaseAddress(IServer server) : ISunraBaseAddress
{
    private Uri? _address;

    public Uri Get() => _address ??= Resolve();

    private Uri Resolve()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var listening = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Sandbox mode needs the gateway to listen on an HTTP address.");

        // A wildcard binding (http://+:8080, http://[::]:8080) is reached on loopback.
        var uri = new UriBuilder(listening.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "[::]" or "0.0.0.0" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        uri.Path = SandboxExtensions.Prefix + "/v1";
        return uri.Uri;
    }
}
