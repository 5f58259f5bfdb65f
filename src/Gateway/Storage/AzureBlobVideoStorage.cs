using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Gateway.Storage;

/// <summary>
/// Videos as block blobs in one Azure Blob Storage container, through Azure's official SDK: the store
/// every replica reaches without a shared volume. A video is uploaded as blocks that stay invisible
/// until one commit of the block list makes the whole of it the blob, so a reader never sees half of one.
/// </summary>
/// <remarks>
/// The container is created the first time a video is saved or the storage is checked. The SDK's own
/// retries are kept short: a storage that does not answer fails a copy (which custody tries again
/// later) or the readiness check within seconds, not minutes.
/// </remarks>
public sealed class AzureBlobVideoStorage : IVideoStorage
{
    // Bounds what one upload or one open video holds in memory: at most MaxConcurrency blocks of this size
    // while uploading (a non-seekable content is read block by block into pooled buffers), one while reading.
    private const int TransferSize = 4 * 1024 * 1024;
    private const int MaxConcurrency = 2;

    private readonly BlobContainerClient _container;
    private readonly Lock _creating = new();
    private Task? _creation;

    public AzureBlobVideoStorage(AzureBlobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new BlobServiceClient(options.ConnectionString, new BlobClientOptions
        {
            Retry =
            {
                Mode = RetryMode.Exponential,
                MaxRetries = 2,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                // Per attempt, and per block: a 4 MiB block needs about 140 kB/s to make it.
                NetworkTimeout = TimeSpan.FromSeconds(30),
            },
        });
        _container = client.GetBlobContainerClient(options.Container);
    }

    public async Task SaveAsync(string name, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var blob = BlobOf(name);
        try
        {
            await EnsureContainerAsync(cancellationToken);
            await blob.UploadAsync(content, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                TransferOptions = new StorageTransferOptions
                {
                    InitialTransferSize = TransferSize,
                    MaximumTransferSize = TransferSize,
                    MaximumConcurrency = MaxConcurrency,
                },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Deleted since it was created: the next save creates it again.
            ForgetContainer();
            throw Unavailable($"has no container for video {name}", e);
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            throw Unavailable($"refused video {name}", e);
        }
    }

    public async Task<Stream?> OpenAsync(string name, CancellationToken cancellationToken)
    {
        var blob = BlobOf(name);
        try
        {
            // Without modifications allowed, the stream reads the version it opened (by its ETag): a video
            // replaced while it is served fails the read rather than splicing two videos together.
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = TransferSize }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No such blob, or no container yet: either way there is no video.
            return null;
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            throw Unavailable($"cannot be read for video {name}", e);
        }
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var blob = BlobOf(name);
        try
        {
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            throw Unavailable($"refused to delete video {name}", e);
        }
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Asked every time rather than remembered: readiness is about now, and a container deleted
            // since it was created is created again here, before a copy needs it.
            if (!(await _container.ExistsAsync(cancellationToken)).Value)
            {
                ForgetContainer();
                await EnsureContainerAsync(cancellationToken);
            }
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            throw Unavailable("cannot be reached", e);
        }
    }

    private BlobClient BlobOf(string name) => _container.GetBlobClient(VideoName.Checked(name));

    // One creation for every caller at once, remembered once it succeeded and tried again after a failure.
    // It runs without any one caller's cancellation, which would cancel it for all; each caller stops waiting on its own.
    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        lock (_creating)
        {
            if (_creation is null or { IsFaulted: true } or { IsCanceled: true })
            {
                _creation = _container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            }

            return _creation.WaitAsync(cancellationToken);
        }
    }

    private void ForgetContainer()
    {
        lock (_creating)
        {
            _creation = null;
        }
    }

    // The SDK wraps a refused connection in a RequestFailedException (status 0), and what is still failing
    // after its retries in an AggregateException; a timed-out attempt surfaces as a cancellation nobody asked for.
    private static bool IsStorageFailure(Exception e, CancellationToken cancellationToken) =>
        e is RequestFailedException or HttpRequestException or AggregateException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    // Named by account and container only: the connection string, which holds the account key or a SAS,
    // is never part of the message, nor is the SDK's own text of an answer, which quotes its headers.
    private VideoStorageUnavailableException Unavailable(string what, Exception e) =>
        new($"The blob container {_container.Name} of storage account {_container.AccountName} {what}: {Describe(e)}", e);

    private static string Describe(Exception e) => e switch
    {
        RequestFailedException { Status: 0, InnerException: { } cause } => Describe(cause),
        RequestFailedException failed => $"it answered {failed.Status} {failed.ErrorCode}".TrimEnd(),
        AggregateException { InnerExceptions: [.., var last] } retried => $"{Describe(last)} (after {retried.InnerExceptions.Count} attempts)",
        OperationCanceledException => "it did not answer in time",
        _ => e.Message,
    };
}
