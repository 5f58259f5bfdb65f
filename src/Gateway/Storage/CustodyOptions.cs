namespace Gateway.Storage;

/// <summary>
/// Custody of videos (<c>Gateway:Custody</c>): whether the gateway copies each completed remix's video
/// into its own storage, which storage, what it accepts from where, and how its links and copies behave.
/// </summary>
public sealed class CustodyOptions
{
    /// <summary>The hosts Sunra serves result files from, as Sunra's own examples show them; the spec names none.</summary>
    public static readonly string[] SunraFileHosts = ["assets.sunra.ai"];

    /// <summary>Whether completed videos are copied into the gateway's storage at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Which storage keeps the videos.</summary>
    public VideoStorageKind Storage { get; set; } = VideoStorageKind.Directory;

    /// <summary>
    /// The directory of <see cref="VideoStorageKind.Directory"/>, relative to the working directory unless
    /// rooted. Unset: <c>sora-remix-gateway/videos</c> in the user's local application data (the
    /// container image sets <c>/data/videos</c>, a volume).
    /// </summary>
    public string? Directory { get; set; }

    public AzureBlobOptions AzureBlob { get; set; } = new();

    /// <summary>The largest video copied, in bytes: a larger one is refused and stays at Sunra.</summary>
    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// The only hosts a video is copied from (exact names or IP addresses, any port), so that a hostile
    /// URL in an answer cannot make the gateway fetch an internal address. Null: Sunra's file hosts
    /// (<see cref="SunraFileHosts"/>).
    /// </summary>
    public string[]? AllowedSourceHosts { get; set; }

    /// <summary>How long a signed link to a kept video works.</summary>
    public double LinkMinutes { get; set; } = 60;

    /// <summary>
    /// The key that signs links (base64, at least 32 bytes), the same on every replica. When unset, one
    /// is made once and kept in the state store, which the replicas share.
    /// </summary>
    public string? LinkKey { get; set; }

    /// <summary>How long a kept video is kept after it was copied (its record's retention also ends it).</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>The wait before the second attempt at a copy; it doubles with each attempt, up to ten minutes.</summary>
    public double FirstRetrySeconds { get; set; } = 5;

    /// <summary>How long a copy is tried before it is reported lost: about as long as Sunra's URL can be trusted.</summary>
    public double GiveUpAfterHours { get; set; } = 24;

    /// <summary>How long a replica holds a copy it started; another replica takes it over once it lapses (the holder renews it while it copies).</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How many copies a replica makes at once.</summary>
    public int Concurrency { get; set; } = 2;

    internal string[] SourceHosts => AllowedSourceHosts ?? SunraFileHosts;

    internal string DirectoryPath => Path.GetFullPath(Directory ?? Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "sora-remix-gateway", "videos"));
}

/// <summary>The <c>Gateway:Custody</c> section, as the gateway's settings are bound: one class per top-level name.</summary>
public sealed class CustodySettings
{
    public CustodyOptions Custody { get; set; } = new();
}

public enum VideoStorageKind
{
    /// <summary>Files in <see cref="CustodyOptions.Directory"/>.</summary>
    Directory,

    /// <summary>Blobs in an Azure Blob Storage container (<see cref="CustodyOptions.AzureBlob"/>).</summary>
    AzureBlob,
}

/// <summary>The Azure Blob Storage container of <see cref="VideoStorageKind.AzureBlob"/> (<c>Gateway:Custody:AzureBlob</c>).</summary>
public sealed class AzureBlobOptions
{
    /// <summary>The storage account's connection string (an account key or a SAS); a secret, never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The container, created when missing.</summary>
    public string Container { get; set; } = "remix-videos";
}
