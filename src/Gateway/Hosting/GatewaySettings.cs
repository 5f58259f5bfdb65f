using System.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>
/// The <c>Gateway</c> section is shared: each folder binds the settings it owns into an options class
/// of its own (callers, webhooks, the edge). Each is bound strictly, so a misspelt setting inside it
/// (<c>Gateway:Clients:ops:DailyQuota</c>) stops the start naming it, and a setting directly under
/// <c>Gateway</c> that no folder owns stops it too.
/// </summary>
public static class GatewaySettings
{
    public const string Section = "Gateway";

    /// <summary>
    /// Binds the settings under <c>Gateway</c> named like <typeparamref name="T"/>'s properties into it,
    /// strictly, validated at start.
    /// </summary>
    public static OptionsBuilder<T> AddGatewayOptions<T>(this IServiceCollection services)
        where T : class
    {
        var owned = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name).ToArray();
        services.AddSingleton(new OwnedSettings(owned));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostingOptions>, UnownedSettingsValidator>());
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => Own(configuration, owned).GetSection(Section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true))
            .ValidateOnStart();
    }

    // Only the settings of the section that this class owns, under their full names (an error names
    // Gateway:Clients:ops:SubmitsPerMinute, not Clients:ops:SubmitsPerMinute), so that the settings of
    // the other folders are not unknown to it.
    private static IConfiguration Own(IConfiguration configuration, string[] owned) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(configuration.GetSection(Section).AsEnumerable()
                .Where(setting => setting.Key.Split(':') is [_, var name, ..] && owned.Contains(name, StringComparer.OrdinalIgnoreCase)))
            .Build();

    private sealed record OwnedSettings(string[] Names);

    private sealed class UnownedSettingsValidator(IConfiguration configuration, IEnumerable<OwnedSettings> owners) : IValidateOptions<HostingOptions>
    {
        public ValidateOptionsResult Validate(string? name, HostingOptions options)
        {
            var owned = owners.SelectMany(owner => owner.Names).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var unowned = configuration.GetSection(Section).GetChildren().Where(child => !owned.Contains(child.Key)).Select(child => $"{Section}:{child.Key} is not a setting of the gateway.").ToArray();
            return unowned.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(unowned);
        }
    }
}
