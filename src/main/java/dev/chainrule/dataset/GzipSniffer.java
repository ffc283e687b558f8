package dev.chainrule.dataset;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Recognises a gzip stream by its first two bytes (1f 8b), so readers take compressed and plain files alike; and
 * bounds how far it may inflate, so that a "zip bomb" is refused within its first megabytes instead of being
 * parsed up to the byte limit.
 */
final class GzipSniffer {
    private static final int BUFFER_BYTES = 1 << 16;
    /** Inflated bytes below which the ratio is not checked: a small file is harmless whatever it inflates to. */
    static final long RATIO_CHECKED_FROM = 1 << 20;

    private GzipSniffer() {
    }

    /** A buffered view of {@code in}: inflated when it starts with the gzip magic, as it is otherwise. */
    static InputStream decompressedIfGzip(InputStream in) throws IOException {
        return decompressedIfGzip(in, Integer.MAX_VALUE, "input", null);
    }

    /**
     * Like {@link #decompressedIfGzip(InputStream)}, failing with a {@link DatasetTooLargeException} once the
     * inflated bytes pass {@code maxRatio} times the compressed bytes read so far (from
     * {@value #RATIO_CHECKED_FROM} inflated bytes on).
     *
     * @param setting how the message names the setting to change, or null
     */
    static InputStream decompressedIfGzip(InputStream in, int maxRatio, String source, String setting) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER_BYTES);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 != 0x1f || b1 != 0x8b) {
            return buffered;
        }
        Counted compressed = new Counted(buffered);
        InputStream inflated = new GZIPInputStream(compressed, BUFFER_BYTES);
        if (maxRatio != Integer.MAX_VALUE) {
            inflated = new RatioLimit(inflated, compressed, maxRatio, source, setting);
        }
        return new BufferedInputStream(inflated, BUFFER_BYTES);
    }

    /** Counts the bytes read through it. */
    private static final class Counted extends FilterInputStream {
        long count;

        Counted(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Fails once the inflated bytes pass the ratio times the compressed bytes read. */
    private static final class RatioLimit extends FilterInputStream {
        private final Counted compressed;
        private final int maxRatio;
        private final String source;
        private final String setting;
        private long inflated;

        RatioLimit(InputStream in, Counted compressed, int maxRatio, String source, String setting) {
            super(in);
            this.compressed = compressed;
            this.maxRatio = maxRatio;
            this.source = source;
            this.setting = setting;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                inflated += n;
                if (inflated > RATIO_CHECKED_FROM && inflated > (double) maxRatio * compressed.count) {
                    throw DatasetTooLargeException.inflatesTooFar(source, maxRatio, setting, inflated, compressed.count);
                }
            }
            return n;
        }
    }
}
