using System.Net;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A server-sent event stream as the test reads it, byte for byte, that hands the <c>data</c> of each
/// complete event to a check as the event goes by. Nothing is read ahead of the test: a stream the test
/// stops reading (or never reads) is checked no further, and one that never ends is not waited for.
/// A check that throws makes the test's read throw.
/// </summary>
internal sealed class CheckedEventStream : HttpContent
{
    private readonly HttpContent _inner;
    private readonly Action<byte[]> _check;

    public CheckedEventStream(HttpContent inner, Action<byte[]> check)
    {
        _inner = inner;
        _check = check;
        foreach (var (name, values) in inner.Headers)
        {
            Headers.TryAddWithoutValidation(name, values);
        }
    }

    protected override async Task<Stream> CreateContentReadStreamAsync() =>
        new Reader(await _inner.ReadAsStreamAsync(), _check);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new Reader(await _inner.ReadAsStreamAsync(cancellationToken), _check);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await (await CreateContentReadStreamAsync()).CopyToAsync(stream);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        await (await CreateContentReadStreamAsync(cancellationToken)).CopyToAsync(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Passes the bytes through, parsing lines as the event stream format has them (LF, CRLF or CR).</summary>
    private sealed class Reader(Stream inner, Action<byte[]> check) : Stream
    {
        private readonly List<byte> _line = [];
        private readonly List<byte> _data = [];
        private bool _hasData;
        private bool _afterCarriageReturn;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Parse(buffer[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Parse(buffer.Span[..read]);
            return read;
        }

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
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Parse(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                if (b == '\n' && _afterCarriageReturn)
                {
                    _afterCarriageReturn = false;
                    continue;
                }

                _afterCarriageReturn = b == '\r';
                if (b is (byte)'\n' or (byte)'\r')
                {
                    EndLine();
                }
                else
                {
                    _line.Add(b);
                }
            }
        }

        private void EndLine()
        {
            if (_line.Count == 0)
            {
                // The blank line that ends an event: one with data is dispatched, as a browser would.
                if (_hasData)
                {
                    var data = _data.ToArray();
                    _data.Clear();
                    _hasData = false;
                    check(data);
                }

                return;
            }

            var line = Encoding.UTF8.GetString([.. _line]);
            _line.Clear();
            if (line == "data" || line.StartsWith("data:", StringComparison.Ordinal))
            {
                var value = line.Length > 5 ? line[5..] : "";
                if (_hasData)
                {
                    _data.Add((byte)'\n');
                }

                _data.AddRange(Encoding.UTF8.GetBytes(value.StartsWith(' ') ? value[1..] : value));
                _hasData = true;
            }
        }
    }
}
