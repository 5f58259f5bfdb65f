namespace Sunra.Emulator;

/// <summary>
/// The sample video's bytes repeated to <paramref name="length"/> bytes (the last time cut short), as a
/// read-only stream that can seek: each read copies from the sample, so a file of any size costs no
/// memory, and a range is served from where it begins. Public so that a reader can make the same bytes
/// to check what it was sent (a benchmark hashes it against a copy).
/// </summary>
public sealed class RepeatedSampleStream(long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A position is not negative.");
    }

    public override int Read(Span<byte> buffer)
    {
        var sample = FileHosting.Sample.Span;
        var wanted = (int)Math.Min(buffer.Length, Math.Max(0, length - _position));
        var written = 0;
        while (written < wanted)
        {
            var from = (int)(_position % sample.Length);
            var count = Math.Min(wanted - written, sample.Length - from);
            sample.Slice(from, count).CopyTo(buffer[written..]);
            written += count;
            _position += count;
        }

        return written;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
