package dev.chainrule.dataset;

import dev.chainrule.engine.training.Dataset;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Writes a {@link DatasetFile} as rows arrive (a {@link CsvRowSink}), so the dataset never has to fit in memory:
 * the header with the column names first, each row's float32 values as they come through a small buffer, and,
 * once the row count and the statistics are known, the footer. Statistics and class counts are computed in
 * the same pass.
 *
 * <p>{@link #finish()} completes the file and forces it to the disk; a writer closed before that leaves a file
 * without a footer, which {@link DatasetFile#open} refuses, so the caller deletes it.
 */
public final class DatasetFileWriter implements CsvRowSink, Closeable {
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** The buffer as floats: a row goes in with one bulk copy rather than a call per value. */
    private final FloatBuffer floats = buffer.asFloatBuffer();
    private final CRC32C crc = new CRC32C();
    private List<String> featureNames;
    private List<String> targetNames;
    private RunningMoments[] moments;
    private ClassCounter classes;
    private long rows;
    private DatasetSummary summary;

    /** Writes {@code file}, created or emptied (e.g. a fresh temp file of the data directory). */
    public DatasetFileWriter(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
    }

    /**
     * Streams a CSV into a new dataset file.
     *
     * @return what the file holds
     * @throws InvalidCsvException      the CSV's first problem; {@code file} is then deleted
     * @throws DatasetTooLargeException over the reader's byte limit; {@code file} is then deleted
     */
    public static DatasetSummary fromCsv(CsvDatasetReader reader, InputStream csv, String source, Path file)
            throws IOException {
        return written(file, writer -> reader.stream(csv, source, writer));
    }

    /**
     * Writes rows held in memory (a training job's rows sent with its request) as a new dataset file: each row's
     * features, then its targets, as float32, with the same statistics and checksum as an upload's.
     *
     * @return what the file holds
     */
    public static DatasetSummary fromRows(Dataset rows, List<String> featureNames, List<String> targetNames, Path file)
            throws IOException {
        return written(file, writer -> {
            writer.columns(featureNames, targetNames);
            int d = featureNames.size();
            int k = targetNames.size();
            float[] features = new float[d];
            float[] targets = new float[k];
            // a chunk of rows copied off the arrays at a time, never all of them
            for (int from = 0; from < rows.size(); from += FROM_ROWS_CHUNK) {
                int to = Math.min(rows.size(), from + FROM_ROWS_CHUNK);
                float[] x = chunk(rows.features(), from, to, d);
                float[] y = chunk(rows.targets(), from, to, k);
                for (int r = 0; r < to - from; r++) {
                    System.arraycopy(x, r * d, features, 0, d);
                    System.arraycopy(y, r * k, targets, 0, k);
                    writer.row(features, targets, from + r);
                }
            }
        });
    }

    /** What fills a new file's rows (and names its columns). */
    @FunctionalInterface
    private interface Rows {
        void writeTo(DatasetFileWriter writer) throws IOException;
    }

    /** A new dataset file filled by {@code rows} and finished; a file that could not be finished is deleted. */
    private static DatasetSummary written(Path file, Rows rows) throws IOException {
        boolean done = false;
        try (DatasetFileWriter writer = new DatasetFileWriter(file)) {
            rows.writeTo(writer);
            DatasetSummary summary = writer.finish();
            done = true;
            return summary;
        } finally {
            if (!done) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static final int FROM_ROWS_CHUNK = 1024;

    /** Rows {@code from..to-1} of a T x width matrix as float32, row-major. */
    private static float[] chunk(INDArray matrix, int from, int to, int width) {
        if (matrix.rank() != 2 || matrix.columns() != width) {
            throw new IllegalArgumentException("a matrix of " + width + " columns was expected, got shape "
                    + java.util.Arrays.toString(matrix.shape()));
        }
        return matrix.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    @Override
    public void columns(List<String> featureNames, List<String> targetNames) throws IOException {
        if (this.featureNames != null) {
            throw new IllegalStateException("columns already given");
        }
        this.featureNames = List.copyOf(featureNames);
        this.targetNames = List.copyOf(targetNames);
        moments = new RunningMoments[featureNames.size() + targetNames.size()];
        for (int c = 0; c < moments.length; c++) {
            moments[c] = new RunningMoments();
        }
        classes = targetNames.size() == 1 ? new ClassCounter() : null;
        byte[] header = DatasetFile.header(this.featureNames, this.targetNames);
        ByteBuffer start = ByteBuffer.allocate(DatasetFile.MAGIC.length + 4 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        start.put(DatasetFile.MAGIC).putInt(header.length).put(header).flip();
        writeFully(start);
    }

    @Override
    public void row(float[] features, float[] targets, long line) throws IOException {
        if (featureNames == null) {
            throw new IllegalStateException("columns first");
        }
        if (features.length != featureNames.size() || targets.length != targetNames.size()) {
            throw new IllegalArgumentException("a row of " + features.length + " + " + targets.length + " values for "
                    + featureNames.size() + " + " + targetNames.size() + " columns");
        }
        put(features);
        put(targets);
        for (int j = 0; j < features.length; j++) {
            moments[j].add(features[j]);
        }
        for (int k = 0; k < targets.length; k++) {
            moments[features.length + k].add(targets[k]);
        }
        if (classes != null) {
            classes.add(targets[0]);
        }
        rows++;
    }

    /** Writes the footer, forces the file to the disk and closes it. */
    public DatasetSummary finish() throws IOException {
        if (summary != null) {
            return summary;
        }
        if (featureNames == null || rows == 0) {
            throw new IllegalStateException("a dataset file needs its columns and at least one row");
        }
        flush();
        List<ColumnStatistics> columns = new ArrayList<>(moments.length);
        for (int j = 0; j < featureNames.size(); j++) {
            columns.add(moments[j].statistics(featureNames.get(j), ColumnStatistics.FEATURE));
        }
        for (int k = 0; k < targetNames.size(); k++) {
            columns.add(moments[featureNames.size() + k].statistics(targetNames.get(k), ColumnStatistics.TARGET));
        }
        DatasetSummary result = new DatasetSummary(rows, featureNames, targetNames, columns,
                classes == null ? null : classes.counts());
        byte[] footer = DatasetFile.footer(result, crc.getValue());
        ByteBuffer end = ByteBuffer.allocate(footer.length + 4 + DatasetFile.END.length).order(ByteOrder.LITTLE_ENDIAN);
        end.put(footer).putInt(footer.length).put(DatasetFile.END).flip();
        writeFully(end);
        channel.force(true);
        channel.close();
        summary = result;
        return result;
    }

    /** Where the file is being written. */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void put(float[] values) throws IOException {
        int done = 0;
        while (done < values.length) {
            if (!floats.hasRemaining()) {
                flush();
            }
            int n = Math.min(values.length - done, floats.remaining());
            floats.put(values, done, n);
            done += n;
        }
    }

    private void flush() throws IOException {
        buffer.limit(floats.position() * Float.BYTES).position(0);
        crc.update(buffer.array(), buffer.arrayOffset(), buffer.limit());
        writeFully(buffer);
        buffer.clear();
        floats.clear();
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }
}
