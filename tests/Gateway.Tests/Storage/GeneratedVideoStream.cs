namespace Gateway.Tests.Storage;

/// <summary>
/// A video's bytes as a download gives them: read once, never sought, length unknown; made up as they
/// are read, so a large one costs no memory.
/// </summary>
public sealed class GeneratedVideoStream(long length, int seed = 0) : Stream
{
    private long _position;

    /// <summary>Throws <see cref="ContentFailedException"/> once this many bytes were read.</summary>
    public long? FailAfter { get; init; }

    /// <summary>Called once, when this many bytes were read; the bytes go on.</summary>
    public (long Bytes, Action Action)? AfterBytes { get; init; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The bytes a content of <paramref name="length"/> made with <paramref name="seed"/> gives.</summary>
    public static byte[] Bytes(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = ByteAt(i, seed);
        }

        return bytes;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (FailAfter is { } failAfter && _position >= failAfter)
        {
            throw new ContentFailedException();
        }

        var count = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < count; i++)
        {
            buffer[i] = ByteAt(_position + i, seed);
        }

        var before = _position;
        _position += count;
        if (AfterBytes is (var bytes, var action) && before < bytes && _position >= bytes)
        {
            action();
        }

        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    // Varies enough that a block out of place or a byte off by one shows.
    private static byte ByteAt(long position, int seed) => (byte)(((position * 2654435761L) >> 11) + seed * 7 + position);
}
