using System.Diagnostics;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Gateway.Storage;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Storage;

/// <summary>The embedded default: files in a directory of the test's own, removed after it.</summary>
public sealed class DirectoryVideoStorageTests : VideoStorageContractTests, IDisposable
{
    // The storage's directory is one level below: it does not exist until the storage makes it.
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("gateway-tests-videos-");

    public DirectoryVideoStorageTests() => Storage = new DirectoryVideoStorage(Path.Combine(_root.FullName, "videos"));

    protected override IVideoStorage Storage { get; }

    public void Dispose() => _root.Delete(recursive: true);

    protected override IVideoStorage Unreachable()
    {
        // A directory cannot be made under a file.
        var file = Path.Combine(_root.FullName, "a-file");
        File.WriteAllBytes(file, []);
        return new DirectoryVideoStorage(Path.Combine(file, "videos"));
    }
}

/// <summary>Azure Blob Storage through its official SDK, on a real Azurite: a container per test, created by the storage itself.</summary>
[FullTier("Node and Azurite")]
public sealed class AzureBlobVideoStorageTests : VideoStorageContractTests, IClassFixture<AzuriteFixture>
{
    private readonly AzureBlobOptions _options;

    public AzureBlobVideoStorageTests(AzuriteFixture azurite)
    {
        _options = new() { ConnectionString = azurite.Server.ConnectionString, Container = $"test-{Guid.NewGuid():N}" };
        Storage = new AzureBlobVideoStorage(_options);
    }

    protected override IVideoStorage Storage { get; }

    protected override IReadOnlyList<string> Secrets => [AzuriteServer.AccountKey];

    protected override IVideoStorage Unreachable() =>
        new AzureBlobVideoStorage(new AzureBlobOptions { ConnectionString = AzuriteServer.ConnectionStringFor(GatewayProcess.FreePort()) });

    [Fact]
    public async Task A_saved_video_keeps_its_content_type()
    {
        await Storage.SaveAsync("remix1", new GeneratedVideoStream(1000), "video/mp4", Cancellation);

        var properties = await Blob("remix1").GetPropertiesAsync(cancellationToken: Cancellation);
        Assert.Equal("video/mp4", properties.Value.ContentType);
        Assert.Equal(1000, properties.Value.ContentLength);
    }

    [Fact]
    public async Task A_storage_that_does_not_answer_fails_within_seconds_not_minutes()
    {
        var storage = Unreachable();
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<VideoStorageUnavailableException>(() => storage.CheckAsync(Cancellation));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The check failed after {clock.Elapsed}.");
    }

    [Fact]
    public async Task A_container_deleted_under_the_storage_is_created_again_by_the_next_check()
    {
        await Storage.SaveAsync("remix1", new GeneratedVideoStream(10), "video/mp4", Cancellation);
        await Container().DeleteAsync(cancellationToken: Cancellation);

        await Assert.ThrowsAsync<VideoStorageUnavailableException>(() => Storage.SaveAsync("remix2", new GeneratedVideoStream(10), "video/mp4", Cancellation));
        await Storage.CheckAsync(Cancellation);
        await Storage.SaveAsync("remix2", new GeneratedVideoStream(10), "video/mp4", Cancellation);

        Assert.True((await Blob("remix2").ExistsAsync(Cancellation)).Value);
    }

    private BlobContainerClient Container() => new BlobServiceClient(_options.ConnectionString).GetBlobContainerClient(_options.Container);

    private BlobClient Blob(string name) => Container().GetBlobClient(name);
}

/// <summary>What every video storage does, so that custody behaves the same on a directory or an object store.</summary>
public abstract class VideoStorageContractTests
{
    // Larger than the blob storage's 4 MiB block: the content fails after a block was already staged.
    private const int SeveralBlocks = 6 * 1024 * 1024;

    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>The storage under test, new and empty for each test.</summary>
    protected abstract IVideoStorage Storage { get; }

    /// <summary>What no failure message may contain.</summary>
    protected virtual IReadOnlyList<string> Secrets => [];

    /// <summary>A storage of the same kind that cannot be reached.</summary>
    protected abstract IVideoStorage Unreachable();

    [Fact]
    public async Task Saving_a_video_then_opening_it_gives_the_same_bytes_from_a_seekable_stream_of_known_length()
    {
        var video = GeneratedVideoStream.Bytes(300_000, seed: 1);
        await Storage.SaveAsync("remix1", new GeneratedVideoStream(video.Length, seed: 1), "video/mp4", Cancellation);

        await using var stream = await Storage.OpenAsync("remix1", Cancellation);

        Assert.NotNull(stream);
        Assert.True(stream.CanSeek);
        Assert.Equal(video.Length, stream.Length);
        Assert.Equal(video, await ReadToEndAsync(stream));

        stream.Seek(123_456, SeekOrigin.Begin);
        var middle = new byte[1000];
        await stream.ReadExactlyAsync(middle, Cancellation);
        Assert.Equal(video.AsSpan(123_456, 1000).ToArray(), middle);
    }

    [Fact]
    public async Task Saving_under_a_name_in_use_replaces_the_video()
    {
        await Storage.SaveAsync("remix1", new GeneratedVideoStream(5000, seed: 1), "video/mp4", Cancellation);

        await Storage.SaveAsync("remix1", new GeneratedVideoStream(3000, seed: 2), "video/mp4", Cancellation);

        Assert.Equal(GeneratedVideoStream.Bytes(3000, seed: 2), await ReadAsync("remix1"));
    }

    [Fact]
    public async Task Opening_a_video_never_saved_gives_null_even_before_anything_was_saved()
    {
        Assert.Null(await Storage.OpenAsync("remix1", Cancellation));

        await Storage.SaveAsync("remix2", new GeneratedVideoStream(10), "video/mp4", Cancellation);

        Assert.Null(await Storage.OpenAsync("remix1", Cancellation));
    }

    [Fact]
    public async Task A_deleted_video_opens_as_null_and_deleting_it_again_is_fine()
    {
        await Storage.SaveAsync("remix1", new GeneratedVideoStream(10), "video/mp4", Cancellation);

        await Storage.DeleteAsync("remix1", Cancellation);

        Assert.Null(await Storage.OpenAsync("remix1", Cancellation));
        await Storage.DeleteAsync("remix1", Cancellation);
        await Storage.DeleteAsync("never-saved", Cancellation);
    }

    [Fact]
    public async Task Deleting_from_a_storage_never_written_to_is_fine()
    {
        await Storage.DeleteAsync("remix1", Cancellation);

        Assert.Null(await Storage.OpenAsync("remix1", Cancellation));
    }

    [Fact]
    public async Task A_content_that_fails_midway_leaves_the_earlier_video_whole()
    {
        await Storage.SaveAsync("remix1", new GeneratedVideoStream(5000, seed: 1), "video/mp4", Cancellation);

        await Assert.ThrowsAsync<ContentFailedException>(() =>
            Storage.SaveAsync("remix1", new GeneratedVideoStream(SeveralBlocks * 2, seed: 2) { FailAfter = SeveralBlocks }, "video/mp4", Cancellation));

        Assert.Equal(GeneratedVideoStream.Bytes(5000, seed: 1), await ReadAsync("remix1"));
    }

    [Fact]
    public async Task A_content_that_fails_midway_leaves_no_half_video_where_there_was_none()
    {
        await Assert.ThrowsAsync<ContentFailedException>(() =>
            Storage.SaveAsync("remix1", new GeneratedVideoStream(SeveralBlocks * 2) { FailAfter = SeveralBlocks }, "video/mp4", Cancellation));

        Assert.Null(await Storage.OpenAsync("remix1", Cancellation));
    }

    [Fact]
    public async Task A_save_cancelled_midway_leaves_nothing()
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var content = new GeneratedVideoStream(SeveralBlocks * 2) { AfterBytes = (SeveralBlocks, cancellation.Cancel) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.SaveAsync("remix1", content, "video/mp4", cancellation.Token));

        Assert.Null(await Storage.OpenAsync("remix1", Cancellation));
    }

    [Fact]
    public async Task A_20_MB_video_from_a_non_seekable_stream_is_saved_whole()
    {
        const int length = 20 * 1024 * 1024;

        await Storage.SaveAsync("remix1", new GeneratedVideoStream(length, seed: 3), "video/mp4", Cancellation);

        await using var stream = await Storage.OpenAsync("remix1", Cancellation);
        Assert.NotNull(stream);
        Assert.Equal(length, stream.Length);
        Assert.Equal(
            await SHA256.HashDataAsync(new GeneratedVideoStream(length, seed: 3), Cancellation),
            await SHA256.HashDataAsync(stream, Cancellation));
    }

    [Fact]
    public async Task Checking_a_storage_that_can_be_written_to_passes_and_leaves_no_video()
    {
        await Storage.CheckAsync(Cancellation);
        await Storage.CheckAsync(Cancellation);

        await Storage.SaveAsync("remix1", new GeneratedVideoStream(10), "video/mp4", Cancellation);
        Assert.NotNull(await Storage.OpenAsync("remix1", Cancellation));
    }

    [Fact]
    public async Task An_unreachable_storage_is_a_VideoStorageUnavailableException_that_keeps_its_secrets()
    {
        var storage = Unreachable();

        var saving = await Assert.ThrowsAsync<VideoStorageUnavailableException>(() =>
            storage.SaveAsync("remix1", new GeneratedVideoStream(10), "video/mp4", Cancellation));
        var checking = await Assert.ThrowsAsync<VideoStorageUnavailableException>(() => storage.CheckAsync(Cancellation));

        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, saving.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, checking.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..")]
    [InlineData("remix1.mp4")]
    public async Task A_name_that_could_be_a_path_is_refused(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.SaveAsync(name, new GeneratedVideoStream(10), "video/mp4", Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.OpenAsync(name, Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.DeleteAsync(name, Cancellation));
    }

    private async Task<byte[]> ReadAsync(string name)
    {
        await using var stream = await Storage.OpenAsync(name, Cancellation);
        Assert.NotNull(stream);
        return await ReadToEndAsync(stream);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Cancellation);
        return copy.ToArray();
    }
}
