using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Gateway.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gateway.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// The storage of kept videos that <c>Gateway:Custody:Storage</c> names, with custody's settings
    /// and, while custody is on, a readiness check that the storage can be written to.
    /// </summary>
    public static WebApplicationBuilder AddVideoStorage(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddGatewayOptions<CustodySettings>();
        services.AddSingleton<IValidateOptions<CustodySettings>, CustodySettingsValidator>();
        services.AddExceptionHandler<VideoStorageUnavailableHandler>();
        services.AddSingleton<IVideoStorage>(provider =>
        {
            var custody = provider.GetRequiredService<IOptions<CustodySettings>>().Value.Custody;
            return custody.Storage switch
            {
                VideoStorageKind.Directory => new DirectoryVideoStorage(custody.DirectoryPath),
                VideoStorageKind.AzureBlob => new AzureBlobVideoStorage(custody.AzureBlob),
                _ => throw new InvalidOperationException($"Gateway:Custody:Storage {custody.Storage} is not a video storage."),
            };
        });
        services.AddHealthChecks().AddCheck<VideoStorageHealthCheck>("videos", tags: [HealthExtensions.Ready]);
        return builder;
    }
}

internal sealed class VideoStorageHealthCheck(IVideoStorage storage, IOptions<CustodySettings> settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!settings.Value.Custody.Enabled)
        {
            return HealthCheckResult.Healthy("Custody of videos is off.");
        }

        try
        {
            await storage.CheckAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (VideoStorageUnavailableException)
        {
            return HealthCheckResult.Unhealthy("The video storage cannot be written to.");
        }
    }
}

/// <summary>Names custody's setting at fault, at start-up.</summary>
internal sealed partial class CustodySettingsValidator : IValidateOptions<CustodySettings>
{
    public ValidateOptionsResult Validate(string? name, CustodySettings options)
    {
        var custody = options.Custody;
        var failures = new List<string>();
        if (custody.MaxBytes < 1)
        {
            failures.Add("Gateway:Custody:MaxBytes must be at least 1.");
        }

        if (custody.AllowedSourceHosts is { } hosts && hosts.Any(host => Uri.CheckHostName(host) == UriHostNameType.Unknown))
        {
            failures.Add("Gateway:Custody:AllowedSourceHosts must hold host names or IP addresses only (no scheme, port or path).");
        }

        if (custody.LinkMinutes is < 1 or > 7 * 24 * 60)
        {
            failures.Add("Gateway:Custody:LinkMinutes must be between 1 and 10080 (a week).");
        }

        if (custody.LinkKey is { } key && !(Convert.TryFromBase64String(key, new byte[key.Length], out var length) && length >= 32))
        {
            failures.Add("Gateway:Custody:LinkKey must be base64 of at least 32 bytes (openssl rand -base64 32).");
        }

        if (custody.RetentionDays is < 1 or > 3650)
        {
            failures.Add("Gateway:Custody:RetentionDays must be between 1 and 3650.");
        }

        if (custody.FirstRetrySeconds is < 0.05 or > 600)
        {
            failures.Add("Gateway:Custody:FirstRetrySeconds must be between 0.05 and 600.");
        }

        if (custody.GiveUpAfterHours is <= 0 or > 24 * 30)
        {
            failures.Add("Gateway:Custody:GiveUpAfterHours must be above 0 and at most 720.");
        }

        if (custody.LeaseSeconds is < 1 or > 3600)
        {
            failures.Add("Gateway:Custody:LeaseSeconds must be between 1 and 3600.");
        }

        if (custody.Concurrency is < 1 or > 64)
        {
            failures.Add("Gateway:Custody:Concurrency must be between 1 and 64.");
        }

        // Even with custody off: a delete still removes the videos kept while it was on.
        if (custody.Storage == VideoStorageKind.AzureBlob)
        {
            if (string.IsNullOrWhiteSpace(custody.AzureBlob.ConnectionString))
            {
                failures.Add("Gateway:Custody:AzureBlob:ConnectionString is needed when Gateway:Custody:Storage is AzureBlob.");
            }
            else if (!IsConnectionString(custody.AzureBlob.ConnectionString))
            {
                // Not quoted back: it is a secret, and a misplaced one may be a real key.
                failures.Add("Gateway:Custody:AzureBlob:ConnectionString is not a storage account's connection string (AccountName and AccountKey, or BlobEndpoint and SharedAccessSignature).");
            }

            if (!ContainerName().IsMatch(custody.AzureBlob.Container))
            {
                failures.Add("Gateway:Custody:AzureBlob:Container must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // The SDK's own parser, which reaches nothing: what it refuses here would fail the first copy.
    private static bool IsConnectionString(string connectionString)
    {
        try
        {
            _ = new BlobServiceClient(connectionString);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    // Azure's rule for container names.
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")]
    private static partial Regex ContainerName();
}
