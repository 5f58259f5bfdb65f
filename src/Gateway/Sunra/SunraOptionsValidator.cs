using Microsoft.Extensions.Options;

namespace Gateway.Sunra;

/// <summary>Refuses to start without a way to reach a Sunra: a key, or the sandbox.</summary>
internal sealed class SunraOptionsValidator : IValidateOptions<SunraOptions>
{
    public const string MissingKey =
        "No Sunra key: set the SUNRA_KEY environment variable, or start with --sandbox (or Sunra__Sandbox=true) to run against the built-in emulator.";

    public ValidateOptionsResult Validate(string? name, SunraOptions options)
    {
        if (!options.Sandbox && string.IsNullOrWhiteSpace(options.Key))
        {
            return ValidateOptionsResult.Fail(MissingKey);
        }

        return options.BaseUrl is { IsAbsoluteUri: true, Scheme: "https" or "http" }
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Sunra:BaseUrl must be an absolute http(s) URL; it is '{options.BaseUrl}'.");
    }
}
