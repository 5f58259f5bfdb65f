namespace Sunra.Protocol;

/// <summary>The result of a completed video generation: <c>{"video": {...}}</c>.</summary>
public sealed record SunraVideoOutput
{
    public required SunraFile Video { get; init; }
}

/// <summary>A file Sunra made, kept in Sunra's storage for a time it does not document.</summary>
public sealed record SunraFile
{
    /// <summary>The file's media type, e.g. <c>video/mp4</c>.</summary>
    public required string ContentType { get; init; }

    public required string FileName { get; init; }

    /// <summary>The file's size in bytes.</summary>
    public required long FileSize { get; init; }

    /// <summary>Where to download the file.</summary>
    public required string Url { get; init; }
}
