package dev.chainrule.dataset;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Fails the stream with a {@link DatasetTooLargeException} once it has given more than its limit of bytes. */
final class ByteLimit extends FilterInputStream {
    private final long limit;
    private final String source;
    private final String setting;
    private long count;

    ByteLimit(InputStream in, long limit, String source, String setting) {
        super(in);
        this.limit = limit;
        this.source = source;
        this.setting = setting;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(int n) throws DatasetTooLargeException {
        count += n;
        if (count > limit) {
            throw new DatasetTooLargeException(source, limit, setting);
        }
    }
}
