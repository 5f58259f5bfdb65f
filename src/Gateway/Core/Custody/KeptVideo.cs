namespace Gateway.Core.Custody;

/// <summary>A video the gateway copied into its own storage: under which name, what it is, and when.</summary>
public sealed record KeptVideo
{
    /// <summary>Its name in the video storage (the remix's request id).</summary>
    public required string Name { get; init; }

    public required string ContentType { get; init; }

    /// <summary>Its size in bytes, as copied (and as Sunra's <c>file_size</c> said).</summary>
    public required long Size { get; init; }

    /// <summary>The SHA-256 of its bytes, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    public required DateTimeOffset KeptAt { get; init; }
}

/// <summary>
/// A remix's result as the state store keeps it (<c>result:{request_id}</c>): the video as Sunra gave it,
/// and the gateway's copy once custody has made one.
/// </summary>
internal sealed record KeptResult
{
    /// <summary>Sunra's file, its URL Sunra's.</summary>
    public required RemixVideo Video { get; init; }

    public KeptVideo? Kept { get; init; }
}
