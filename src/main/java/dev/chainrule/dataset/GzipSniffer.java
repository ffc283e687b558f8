package dev.chainrule.dataset;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Recognises a gzip stream by its first two bytes (1f 8b), so readers take compressed and plain files alike. */
final class GzipSniffer {
    private static final int BUFFER_BYTES = 1 << 16;

    private GzipSniffer() {
    }

    /** A buffered view of {@code in}: inflated when it starts with the gzip magic, as it is otherwise. */
    static InputStream decompressedIfGzip(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER_BYTES);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        return gzip ? new BufferedInputStream(new GZIPInputStream(buffered, BUFFER_BYTES), BUFFER_BYTES) : buffered;
    }
}
