package dev.chainrule.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A dataset file's rows read in order, a chunk at a time into the caller's arrays, so a pass over any number of rows
 * holds one chunk on the heap. The rows' checksum is checked when the last one has been read.
 */
public final class DatasetRows implements Closeable {
    private final Path file;
    private final FileChannel channel;
    private final long rows;
    private final int featureWidth;
    private final int targetWidth;
    private final long expectedCrc;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buffer;
    private long read;

    DatasetRows(Path file, long dataOffset, long expectedCrc, DatasetSummary summary) throws IOException {
        this.file = file;
        this.rows = summary.rows();
        this.featureWidth = summary.featureColumns().size();
        this.targetWidth = summary.targetColumns().size();
        this.expectedCrc = expectedCrc;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(dataOffset);
    }

    public long rows() {
        return rows;
    }

    /** Rows read so far. */
    public long read() {
        return read;
    }

    /**
     * Reads the next rows, at most {@code maxRows}: their features row-major into {@code features} (at least
     * maxRows x D long) and their target values as stored into {@code targets} (maxRows x K).
     *
     * @return the rows read; 0 once every row has been read
     * @throws InvalidDatasetFileException when the file ends early or its rows do not match their checksum
     */
    public int next(float[] features, float[] targets, int maxRows) throws IOException {
        int height = (int) Math.min(maxRows, rows - read);
        if (height <= 0) {
            return 0;
        }
        int width = featureWidth + targetWidth;
        int bytes = Math.multiplyExact(height, width) * Float.BYTES;
        if (buffer == null || buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.clear().limit(bytes);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new InvalidDatasetFileException("dataset file " + file + " ends inside the rows");
            }
        }
        buffer.flip();
        crc.update(buffer.array(), 0, bytes);
        for (int r = 0; r < height; r++) {
            for (int j = 0; j < featureWidth; j++) {
                features[r * featureWidth + j] = buffer.getFloat();
            }
            for (int c = 0; c < targetWidth; c++) {
                targets[r * targetWidth + c] = buffer.getFloat();
            }
        }
        read += height;
        if (read == rows && crc.getValue() != expectedCrc) {
            throw new InvalidDatasetFileException("dataset file " + file + ": the rows do not match their checksum (CRC-32C "
                    + crc.getValue() + ", footer " + expectedCrc + ")");
        }
        return height;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
