using Gateway.Storage;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Storage;

/// <summary>Gateway:Custody:Storage picks the storage, and the blob storage's settings are checked at start, before a copy needs them.</summary>
public sealed class VideoStorageSettingsTests
{
    [Fact]
    public void The_directory_is_the_storage_unless_another_is_named()
    {
        using var provider = Services(new() { ["Gateway:Custody:Directory"] = "videos" });

        Assert.IsType<DirectoryVideoStorage>(provider.GetRequiredService<IVideoStorage>());
    }

    [Fact]
    public void AzureBlob_makes_the_storage_a_blob_container_without_reaching_it()
    {
        using var provider = Services(new()
        {
            ["Gateway:Custody:Storage"] = "AzureBlob",
            ["Gateway:Custody:AzureBlob:ConnectionString"] = AzuriteServer.ConnectionStringFor(GatewayProcess.FreePort()),
        });

        Assert.IsType<AzureBlobVideoStorage>(provider.GetRequiredService<IVideoStorage>());
    }

    [Theory]
    [InlineData("", "Gateway:Custody:AzureBlob:ConnectionString is needed")]
    [InlineData("AccountName=remixes;EndpointSuffix=core.windows.net", "Gateway:Custody:AzureBlob:ConnectionString is not")]
    [InlineData("the-key-pasted-alone", "Gateway:Custody:AzureBlob:ConnectionString is not")]
    public void A_blob_connection_string_that_is_missing_or_malformed_stops_the_start_naming_the_setting_not_its_value(string connectionString, string failure)
    {
        using var provider = Services(new() { ["Gateway:Custody:Storage"] = "AzureBlob", ["Gateway:Custody:AzureBlob:ConnectionString"] = connectionString });

        var invalid = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CustodySettings>>().Value);

        Assert.Contains(failure, invalid.Message, StringComparison.Ordinal);
        if (connectionString.Length > 0)
        {
            Assert.DoesNotContain(connectionString, invalid.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Remix-Videos")]
    [InlineData("rv")]
    [InlineData("remix--videos")]
    [InlineData("remix-videos-")]
    [InlineData("remix_videos")]
    public void A_container_name_Azure_would_refuse_stops_the_start(string container)
    {
        using var provider = Services(new()
        {
            ["Gateway:Custody:Storage"] = "AzureBlob",
            ["Gateway:Custody:AzureBlob:ConnectionString"] = AzuriteServer.ConnectionStringFor(GatewayProcess.FreePort()),
            ["Gateway:Custody:AzureBlob:Container"] = container,
        });

        var invalid = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CustodySettings>>().Value);

        Assert.Contains("Gateway:Custody:AzureBlob:Container", invalid.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddVideoStorage();
        return builder.Services.BuildServiceProvider();
    }
}
