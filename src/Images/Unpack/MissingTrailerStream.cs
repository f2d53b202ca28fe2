namespace Rlrun.Images.Unpack;

/// <summary>Gives the tar reader the two zero blocks that end an archive when the layer stops
/// without them at a block boundary, as layers written by Go's archive/tar without Close do
/// (`umoci insert` makes such layers; GNU tar and podman read them). Not part of the diff_id:
/// it sits above the hashing stream. A layer cut short inside an entry still fails, and one cut
/// at a block boundary inside its last file's data is caught by the diff_id check.</summary>
sealed class MissingTrailerStream(Stream inner) : ReadOnlyStream
{
    long _read;
    int _trailerLeft = -1; // -1: the inner stream has not ended yet

    public override int Read(Span<byte> buffer)
    {
        if (_trailerLeft < 0)
        {
            int n = inner.Read(buffer);
            if (n > 0 || buffer.Length == 0) { _read += n; return n; }
            _trailerLeft = _read % 512 == 0 ? 1024 : 0;
        }
        int give = Math.Min(buffer.Length, _trailerLeft);
        buffer[..give].Clear();
        _trailerLeft -= give;
        return give;
    }
}
