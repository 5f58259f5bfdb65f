using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Gateway.Sunra;

/// <summary>Refuses to start without a way to reach a Sunra: a usable key, or the sandbox.</summary>
internal sealed class SunraOptionsValidator(SunraKey key) : IValidateOptions<SunraOptions>
{
    public const string MissingKey =
        "No Sunra key: set the SUNRA_KEY environment variable (or SUNRA_KEY_FILE, the path of a file holding it), or start with --sandbox (or Sunra__Sandbox=true) to run against the built-in emulator.";

    public const string UnsendableKey =
        "The Sunra key holds characters that cannot be sent in an HTTP header (spaces, control or non-ASCII characters).";

    public ValidateOptionsResult Validate(string? name, SunraOptions options)
    {
        var failures = new List<string>();
        if (key.Problem is not null)
        {
            failures.Add(key.Problem);
        }
        else if (!options.Sandbox && key.Value is null)
        {
            failures.Add(MissingKey);
        }
        else if (key.Value is not null && !key.IsSendable)
        {
            failures.Add(UnsendableKey);
        }

        if (options.BaseUrl is not { IsAbsoluteUri: true, Scheme: "https" or "http" })
        {
            failures.Add($"Sunra:BaseUrl must be an absolute http(s) URL; it is '{options.BaseUrl}'.");
        }

        if (options.CallbackBaseUrl is { } callback && (callback is not { IsAbsoluteUri: true, Scheme: "https" or "http" } || callback.Query.Length > 0 || callback.Fragment.Length > 0 || callback.UserInfo.Length > 0))
        {
            failures.Add($"Sunra:CallbackBaseUrl must be an absolute http(s) URL without credentials, query or fragment; it is '{callback}'.");
        }

        // Data annotations do not reach into a nested section: its ranges are checked here, by their full name.
        var limits = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options.Limits, new ValidationContext(options.Limits), limits, validateAllProperties: true))
        {
            failures.AddRange(limits.Select(result => $"Sunra:Limits:{string.Join(", ", result.MemberNames)}: {result.ErrorMessage}"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
