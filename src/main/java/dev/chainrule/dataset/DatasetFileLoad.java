package dev.chainrule.dataset;

import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One read of a {@link DatasetFile}'s rows into the engine's matrices, off the Java heap, through a direct buffer of a
 * megabyte: the targets encoded for a network as they are read, each row put into its part of a split, and the rows'
 * checksum checked at the end.
 */
final class DatasetFileLoad {
    private static final int READ_BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final long dataOffset;
    private final long dataCrc;
    private final DatasetSummary summary;

    DatasetFileLoad(Path file, long dataOffset, long dataCrc, DatasetSummary summary) {
        this.file = file;
        this.dataOffset = dataOffset;
        this.dataCrc = dataCrc;
        this.summary = summary;
    }

    /** See {@link DatasetFile#load(TargetEncoding, DatasetFile.Problems, DatasetSplit)}. */
    Dataset[] load(TargetEncoding encoding, DatasetFile.Problems problems, DatasetSplit split) throws IOException {
        int rows = (int) summary.rows();
        int d = summary.featureColumns().size();
        int kFile = summary.targetColumns().size();
        if (encoding != null) {
            String shape = encoding.checkColumnCount(kFile);
            if (shape != null) {
                problems.add(null, shape + " " + summary.targetColumns());
                return null;
            }
        }
        if (split != null && split.size() != rows) {
            throw new IllegalArgumentException("the split is for " + split.size() + " rows, the file has " + rows);
        }
        boolean oneValue = encoding != null && kFile == 1 && encoding.takesOneValue();
        int k = encoding == null ? kFile : encoding.outputWidth();
        // part[row]: where each row goes (0 = training, 1 = test); absent without a split
        byte[] part = null;
        int[] partRows = {rows};
        if (split != null) {
            part = new byte[rows];
            for (int row : split.testRows()) {
                part[row] = 1;
            }
            partRows = new int[] {rows - split.testRows().length, split.testRows().length};
        }
        int parts = partRows.length;
        int chunkRows = Math.max(1, READ_BUFFER_BYTES / Float.BYTES / (d + kFile));
        Part[] out = new Part[parts];
        for (int p = 0; p < parts; p++) {
            out[p] = new Part(partRows[p], d, k, chunkRows);
        }
        float[] raw = new float[kFile];
        boolean valid = true;
        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.position(dataOffset);
            // off the heap: the checksum takes the bytes as read, and each row's features go by one bulk copy
            ByteBuffer buffer = ByteBuffer.allocateDirect(Math.multiplyExact(chunkRows, d + kFile) * Float.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN);
            FloatBuffer values = buffer.asFloatBuffer();
            for (int from = 0; from < rows; from += chunkRows) {
                int height = Math.min(chunkRows, rows - from);
                buffer.clear().limit(height * (d + kFile) * Float.BYTES);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer) < 0) {
                        throw DatasetFile.invalid(file, "ends inside the rows");
                    }
                }
                buffer.flip();
                crc.update(buffer);
                for (int r = 0; r < height; r++) {
                    Part to = out[part == null ? 0 : part[from + r]];
                    int slot = to.filled;
                    int at = r * (d + kFile);
                    to.putFeatures(values, at);
                    values.get(at + d, raw);
                    Arrays.fill(to.targets, slot * k, slot * k + k, 0f);
                    if (encoding == null) {
                        System.arraycopy(raw, 0, to.targets, slot * k, k);
                    } else if (!encode(encoding, oneValue, raw, to.targets, slot, from + r, problems)) {
                        valid = false;
                        if (problems.isFull()) {
                            return null;
                        }
                    }
                    to.rowDone();
                }
            }
        }
        if (crc.getValue() != dataCrc) {
            throw DatasetFile.invalid(file, "the rows do not match their checksum (CRC-32C " + crc.getValue() + ", footer " + dataCrc + ")");
        }
        if (!valid) {
            return null;
        }
        Dataset[] result = new Dataset[parts];
        for (int p = 0; p < parts; p++) {
            result[p] = out[p].finish();
        }
        return result;
    }

    /**
     * One part of the rows being loaded: its matrices off the heap (left unzeroed: every value is written), the
     * features copied row by row straight in, the encoded targets through a chunk of rows on the heap.
     */
    private static final class Part {
        private final int d;
        private final int k;
        private final int capacity;
        private final INDArray featureMatrix;
        private final INDArray targetMatrix;
        /** The feature matrix's memory, or null past NIO's reach (2^31 values): then through the indexer. */
        private final FloatBuffer featureOut;
        private final FloatIndexer featureIndexer;
        private final FloatIndexer targetOut;
        private final float[] row;
        final float[] targets;
        /** Rows in the chunk of targets, and rows whose targets are already in their matrix. */
        int filled;
        private long written;

        Part(int rows, int d, int k, int chunkRows) {
            this.d = d;
            this.k = k;
            this.capacity = chunkRows;
            featureMatrix = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, d}, 'c');
            targetMatrix = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, k}, 'c');
            featureOut = (long) rows * d <= Integer.MAX_VALUE ? new NioView().floats(featureMatrix) : null;
            featureIndexer = featureOut == null ? (FloatIndexer) featureMatrix.data().indexer() : null;
            row = new float[d];
            targetOut = (FloatIndexer) targetMatrix.data().indexer();
            targets = new float[Math.multiplyExact(chunkRows, k)];
        }

        /** The next row's d features from {@code values} at {@code at}. */
        void putFeatures(FloatBuffer values, int at) {
            long to = (written + filled) * d;
            if (featureOut != null) {
                featureOut.put((int) to, values, at, d);
            } else {
                values.get(at, row);
                featureIndexer.put(to, row, 0, d);
            }
        }

        void rowDone() {
            filled++;
            if (filled == capacity) {
                flush();
            }
        }

        private void flush() {
            targetOut.put(written * k, targets, 0, filled * k);
            written += filled;
            filled = 0;
        }

        Dataset finish() {
            flush();
            return new Dataset(featureMatrix, targetMatrix);
        }
    }

    private boolean encode(TargetEncoding encoding, boolean oneValue, float[] raw, float[] out, int chunkRow, int row,
                           DatasetFile.Problems problems) {
        List<String> names = summary.targetColumns();
        if (oneValue) {
            String problem = encoding.encodeOne(raw[0], TargetEncoding.shown(raw[0]), out, chunkRow);
            if (problem != null) {
                problems.add(where(row, names.get(0)), problem);
                return false;
            }
            return true;
        }
        boolean valid = true;
        double sum = 0;
        int k = raw.length;
        for (int c = 0; c < k; c++) {
            String problem = encoding.checkValue(raw[c]);
            if (problem != null) {
                problems.add(where(row, names.get(c)), problem);
                valid = false;
            } else {
                out[chunkRow * k + c] = raw[c];
                sum += raw[c];
            }
        }
        String rowProblem = valid ? encoding.checkRowSum(sum) : null;
        if (rowProblem != null) {
            problems.add("row " + row + ", target columns " + names, rowProblem);
            return false;
        }
        return valid;
    }

    private static String where(int row, String column) {
        return "row " + row + ", column '" + column + "'";
    }
}
