package dev.chainrule.dataset;

import java.io.IOException;

/**
 * A CSV longer than the reader's byte limit (after gzip decompression, so a small bomb cannot fill the disk), or
 * a gzip upload that inflates further than the reader's ratio allows (a bomb, refused before it is parsed).
 */
public final class DatasetTooLargeException extends IOException {
    private final long limitBytes;

    DatasetTooLargeException(String source, long limitBytes, String limitName) {
        this(source + ": the CSV is larger than " + limitBytes + " bytes" + (limitName == null ? "" : " (" + limitName + ")")
                + "; a gzip-compressed upload counts with its decompressed size", limitBytes);
    }

    private DatasetTooLargeException(String message, long limitBytes) {
        super(message);
        this.limitBytes = limitBytes;
    }

    static DatasetTooLargeException inflatesTooFar(String source, int maxRatio, String ratioName, long inflated, long compressed) {
        return new DatasetTooLargeException(source + ": the gzip-compressed upload inflates more than " + maxRatio
                + " times" + (ratioName == null ? "" : " (" + ratioName + ")") + ": " + inflated + " bytes of CSV from the first "
                + compressed + " compressed bytes; a gzip-compressed upload counts with its decompressed size", -1);
    }

    /** The byte limit passed, or -1 when the upload inflated too far. */
    public long limitBytes() {
        return limitBytes;
    }
}
