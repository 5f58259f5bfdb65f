namespace Gateway.Storage;

/// <summary>
/// Where the gateway keeps the videos it bought: a directory (<see cref="DirectoryVideoStorage"/>, the
/// embedded default, or a volume every replica mounts) or an object store
/// (Azure Blob Storage). Both pass the same contract tests. A video is stored under a
/// name of the gateway's choosing (a remix's request id), whole or not at all.
/// </summary>
/// <remarks>Every member throws <see cref="VideoStorageUnavailableException"/> when the storage cannot be reached or refuses.</remarks>
public interface IVideoStorage
{
    /// <summary>
    /// Stores <paramref name="content"/>, read once to its end and never sought, under
    /// <paramref name="name"/>, replacing what was there. Nothing is visible under the name until the
    /// whole content is stored: a read that throws or a cancellation leaves the earlier video, or none.
    /// </summary>
    Task SaveAsync(string name, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>The stored video, as a seekable stream whose length is known, or null when there is none.</summary>
    Task<Stream?> OpenAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes the video, if there is one.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Completes when the storage can be written to; throws otherwise (the readiness check).</summary>
    Task CheckAsync(CancellationToken cancellationToken);
}

/// <summary>The video storage cannot be reached, or refused the operation.</summary>
public sealed class VideoStorageUnavailableException(string message, Exception? innerException) : Exception(message, innerException);
