namespace Gateway.Core.Custody;

/// <summary>
/// Why an attempt at a copy failed, as the <c>reason</c> of <c>gateway_custody_failures_total</c>: a
/// refusal is final (trying again would fetch the same thing), anything else is tried again with backoff.
/// </summary>
internal sealed class CustodyFailure(string reason, string message, bool final = false, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>The URL's host is not in <c>Gateway:Custody:AllowedSourceHosts</c>, or it is not http(s).</summary>
    public const string HostNotAllowed = "host_not_allowed";

    /// <summary>Larger than <c>Gateway:Custody:MaxBytes</c>.</summary>
    public const string TooLarge = "too_large";

    /// <summary>Not <c>video/*</c>.</summary>
    public const string NotVideo = "not_video";

    /// <summary>Fewer or more bytes than Sunra's <c>file_size</c>.</summary>
    public const string SizeMismatch = "size_mismatch";

    /// <summary>Sunra's URL answered 403, 404 or 410: the file is gone, or about to be.</summary>
    public const string SourceGone = "source_gone";

    /// <summary>Sunra's URL failed otherwise (an error status, the network, a timeout).</summary>
    public const string SourceError = "source_error";

    /// <summary>The result could not be read from Sunra (its budget, or Sunra failed).</summary>
    public const string ResultUnavailable = "result_unavailable";

    /// <summary>The video storage failed.</summary>
    public const string StorageError = "storage_error";

    /// <summary>Something the copy did not expect (a URL it could not parse, say): tried again like any failure, and logged whole.</summary>
    public const string Unexpected = "unexpected";

    public string Reason { get; } = reason;

    public bool Final { get; } = final;
}
