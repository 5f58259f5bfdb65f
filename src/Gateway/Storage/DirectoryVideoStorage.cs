namespace Gateway.Storage;

/// <summary>
/// Videos as files in one directory, the embedded default: a single replica's disk, or a volume every
/// replica mounts. A video is written to a temporary file beside its place and moved there once whole,
/// so a reader never sees half of one.
/// </summary>
public sealed class DirectoryVideoStorage(string directory) : IVideoStorage
{
    private const string Partial = ".partial";

    /// <summary>The directory, absolute.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    public async Task SaveAsync(string name, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        var partial = $"{path}.{Guid.NewGuid():N}{Partial}";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            File.Move(partial, path, overwrite: true);
            RemoveUnfinished(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VideoStorageUnavailableException($"The video directory {Directory} refused video {name}: {e.Message}", e);
        }
        finally
        {
            DeleteFile(partial);
        }
    }

    public Task<Stream?> OpenAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VideoStorageUnavailableException($"The video directory {Directory} cannot be read: {e.Message}", e);
        }
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            DeleteFile(PathOf(name));
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VideoStorageUnavailableException($"The video directory {Directory} refused to delete video {name}: {e.Message}", e);
        }
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        // Written and removed, as a copy would: a directory that exists but is read-only is not ready.
        var probe = Path.Combine(Directory, $".ready.{Guid.NewGuid():N}{Partial}");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            await File.WriteAllBytesAsync(probe, [], cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VideoStorageUnavailableException($"The video directory {Directory} cannot be written to: {e.Message}", e);
        }
        finally
        {
            DeleteFile(probe);
        }
    }

    private string PathOf(string name) => Path.Combine(Directory, VideoName.Checked(name));

    // File.Delete lets a missing file go but not a missing directory: a storage never written to has no
    // video to delete, and a directory that could not be made has no partial file to clean up (the
    // exception that says why must not be replaced by this one).
    // A whole video makes every unfinished save of it moot: the temporary file of a replica that died
    // in the middle of a copy is removed by the copy that took over.
    private void RemoveUnfinished(string name)
    {
        foreach (var unfinished in System.IO.Directory.EnumerateFiles(Directory, name + ".*" + Partial))
        {
            DeleteFile(unfinished);
        }
    }

    private static void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
