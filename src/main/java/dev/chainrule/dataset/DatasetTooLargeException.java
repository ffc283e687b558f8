package dev.chainrule.dataset;

import java.io.IOException;

/** A CSV longer than the reader's byte limit (after gzip decompression, so a small bomb cannot fill the disk). */
public final class DatasetTooLargeException extends IOException {
    private final long limitBytes;

    DatasetTooLargeException(String source, long limitBytes, String limitName) {
        super(source + ": the CSV is larger than " + limitBytes + " bytes" + (limitName == null ? "" : " (" + limitName + ")")
                + "; a gzip-compressed upload counts with its decompressed size");
        this.limitBytes = limitBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
