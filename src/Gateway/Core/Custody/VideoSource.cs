using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Custody;

/// <summary>
/// Opens the video at Sunra's URL for a copy, and refuses what must not be copied before a byte of it is
/// stored: a URL (or a redirect) to a host outside <c>Gateway:Custody:AllowedSourceHosts</c>, so that a
/// hostile URL in an answer cannot make the gateway fetch an internal address; a file larger than
/// <c>Gateway:Custody:MaxBytes</c>; anything but <c>video/*</c>.
/// </summary>
internal sealed class VideoSource(IHttpClientFactory clients, IOptions<CustodySettings> settings)
{
    /// <summary>The named client of the copies: redirects are followed here, one host check each.</summary>
    public const string ClientName = "custody-source";

    private const int MaxRedirects = 3;

    private CustodyOptions Custody => settings.Value.Custody;

    public async Task<SourceVideo> OpenAsync(RemixVideo video, CancellationToken cancellationToken)
    {
        if (video.FileSize > Custody.MaxBytes)
        {
            throw new CustodyFailure(CustodyFailure.TooLarge, $"Sunra's file_size {video.FileSize} is over Gateway:Custody:MaxBytes ({Custody.MaxBytes}).", final: true);
        }

        if (!Uri.TryCreate(video.Url, UriKind.Absolute, out var url))
        {
            throw new CustodyFailure(CustodyFailure.HostNotAllowed, "Sunra's url is not an absolute URL.", final: true);
        }

        var client = clients.CreateClient(ClientName);
        for (var redirects = 0; ; redirects++)
        {
            CheckHost(url);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new CustodyFailure(CustodyFailure.SourceError, $"Sunra's file host {url.Host} could not be reached: {e.Message}", innerException: e);
            }

            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (redirects == MaxRedirects)
                {
                    throw new CustodyFailure(CustodyFailure.SourceError, $"Sunra's file URL redirected more than {MaxRedirects} times.");
                }

                var next = new Uri(url, location);
                if (url.Scheme == Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttps)
                {
                    throw new CustodyFailure(CustodyFailure.HostNotAllowed, $"Sunra's file URL redirected from https to {next.Scheme}.", final: true);
                }

                url = next;
                continue;
            }

            try
            {
                return Accept(response, video);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    private void CheckHost(Uri url)
    {
        if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
        {
            throw new CustodyFailure(CustodyFailure.HostNotAllowed, $"Sunra's file URL has scheme '{url.Scheme}': only http and https are copied.", final: true);
        }

        if (url.UserInfo.Length > 0)
        {
            throw new CustodyFailure(CustodyFailure.HostNotAllowed, "Sunra's file URL carries credentials: it is not copied.", final: true);
        }

        if (System.Net.IPAddress.TryParse(url.IdnHost, out var address) && OutboundAddresses.IsMetadataOrLinkLocal(address))
        {
            throw new CustodyFailure(CustodyFailure.HostNotAllowed, $"Sunra's file URL names the link-local address {url.IdnHost}: it is never fetched.", final: true);
        }

        if (!Custody.SourceHosts.Contains(url.IdnHost, StringComparer.OrdinalIgnoreCase))
        {
            throw new CustodyFailure(
                CustodyFailure.HostNotAllowed,
                $"Sunra's file URL names host '{url.IdnHost}', which is not in Gateway:Custody:AllowedSourceHosts; add it there if it is Sunra's.",
                final: true);
        }
    }

    private SourceVideo Accept(HttpResponseMessage response, RemixVideo video)
    {
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            throw new CustodyFailure(CustodyFailure.SourceGone, $"Sunra's file URL answered {(int)response.StatusCode}: the file is gone.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new CustodyFailure(CustodyFailure.SourceError, $"Sunra's file URL answered {(int)response.StatusCode}.");
        }

        // The file's own type decides; a generic one (or none) defers to the type Sunra's result gave.
        var type = response.Content.Headers.ContentType?.MediaType is { } media && media != "application/octet-stream" ? media : video.ContentType;
        if (!type.StartsWith("video/", StringComparison.OrdinalIgnoreCase) || !MediaTypeHeaderValue.TryParse(type, out _))
        {
            throw new CustodyFailure(CustodyFailure.NotVideo, $"Sunra's file is '{type}', not a video.", final: true);
        }

        if (response.Content.Headers.ContentLength > Custody.MaxBytes)
        {
            throw new CustodyFailure(CustodyFailure.TooLarge, $"Sunra's file is {response.Content.Headers.ContentLength} bytes, over Gateway:Custody:MaxBytes ({Custody.MaxBytes}).", final: true);
        }

        return new SourceVideo(response, type, Custody.MaxBytes);
    }
}

/// <summary>
/// The video being read from Sunra, as a stream that hashes and counts what passes through it and stops
/// the copy once it goes past the largest size allowed (a file may not say its length up front).
/// </summary>
internal sealed class SourceVideo(HttpResponseMessage response, string contentType, long maxBytes) : Stream
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Stream? _content;

    public string ContentType { get; } = contentType;

    /// <summary>The bytes read so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 of the bytes read, in lowercase hex (once the content is read to its end).</summary>
    public string Sha256() => Convert.ToHexStringLower(_sha256.GetCurrentHash());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _content ??= await response.Content.ReadAsStreamAsync(cancellationToken);
        int read;
        try
        {
            read = await _content.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new CustodyFailure(CustodyFailure.SourceError, $"Reading Sunra's file failed after {BytesRead} bytes: {e.Message}", innerException: e);
        }

        BytesRead += read;
        if (BytesRead > maxBytes)
        {
            throw new CustodyFailure(CustodyFailure.TooLarge, $"Sunra's file went past Gateway:Custody:MaxBytes ({maxBytes}).", final: true);
        }

        _sha256.AppendData(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _content?.Dispose();
            response.Dispose();
            _sha256.Dispose();
        }

        base.Dispose(disposing);
    }
}
