namespace Sunra.Emulator;

/// <summary>
/// How the emulator hosts its result files (Sunra's storage), changeable while it runs, so that tests
/// can act out what that storage may do: serve something that is not a video, misreport a size, hand out
/// a URL elsewhere, send slowly, or forget the file; and so that a benchmark can have a large one.
/// </summary>
public sealed class FileHosting
{
    private int _downloads;
    private long? _size;

    /// <summary>The sample video every completed request's file is (or begins with, see <see cref="Size"/>).</summary>
    public static ReadOnlyMemory<byte> Sample => SunraEmulatorApi.SampleVideo;

    /// <summary>
    /// The length of every file when not the sample's own: the sample's bytes repeated (the last time cut
    /// short) to that many bytes, and the <c>file_size</c> a result says. A video of hundreds of MiB can
    /// then be copied and measured without one on disk, and is served from the sample alone, never held
    /// whole in memory, so that the emulator's own memory does not hide the gateway's. Null: the sample.
    /// </summary>
    public long? Size
    {
        get => _size;
        set => _size = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A file has at least one byte.");
    }

    /// <summary>The type a result names and a file is served as.</summary>
    public string ContentType { get; set; } = "video/mp4";

    /// <summary>The <c>file_size</c> a result says, when not the file's own.</summary>
    public long? ReportedSize { get; set; }

    /// <summary>Where a result's URL points instead of the emulator itself (e.g. <c>http://localhost:5000</c>): the file is then not the emulator's to serve.</summary>
    public string? UrlBase { get; set; }

    /// <summary>Send files this slowly (a slow storage, or one a copy can be caught in the middle of).</summary>
    public int? BytesPerSecond { get; set; }

    /// <summary>Every file is gone (404), as when a URL has expired.</summary>
    public bool Gone { get; set; }

    /// <summary>Answer every file with a 302 to this base instead (<c>{RedirectTo}/files/{name}</c>), as a storage behind a redirector does.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>How many times a file was asked for.</summary>
    public int Downloads => Volatile.Read(ref _downloads);

    /// <summary>The length of every file served.</summary>
    internal long Length => _size ?? Sample.Length;

    internal void Downloaded() => Interlocked.Increment(ref _downloads);

    /// <summary>A file's content, read (and seeked, for ranges) without being made: see <see cref="RepeatedSampleStream"/>.</summary>
    internal Stream Open() => new RepeatedSampleStream(Length);
}
