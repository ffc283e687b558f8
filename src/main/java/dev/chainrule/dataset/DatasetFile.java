package dev.chainrule.dataset;

import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A dataset stored as a file of float32 rows (docs/dataset-format.md): a JSON header naming the columns, the
 * rows, then a JSON footer with the row count, per-column statistics, class counts and a CRC-32C of the rows.
 * The footer comes last because a streamed CSV's row count is only known at its end.
 *
 * <pre>
 * "CHAINRULE-DATASET\n" | u32 n | header (n bytes JSON) | rows x (D + K) float32 | footer (m bytes JSON) | u32 m | "END\n"
 * </pre>
 * All integers and floats little-endian; each row is its D feature values, then its K target values.
 *
 * <p>{@link #open} reads and checks the header and footer only; {@link #load} reads the rows into matrices off the
 * Java heap, through a direct buffer of a megabyte.
 */
public final class DatasetFile {
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = "CHAINRULE-DATASET\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "END\n".getBytes(StandardCharsets.US_ASCII);
    /** A header or footer larger than this is not one: refuse it before allocating. */
    static final int MAX_JSON_BYTES = 64 << 20;
    private static final int READ_BUFFER_BYTES = 1 << 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final long dataOffset;
    private final long dataCrc;
    private final DatasetSummary summary;

    private DatasetFile(Path file, long dataOffset, long dataCrc, DatasetSummary summary) {
        this.file = file;
        this.dataOffset = dataOffset;
        this.dataCrc = dataCrc;
        this.summary = summary;
    }

    /** Whether the file starts with this format's magic bytes (a file of another format does not). */
    public static boolean hasMagic(Path file) throws IOException {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        }
    }

    /** Reads and checks a file's header and footer (not its rows). */
    public static DatasetFile open(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long minimum = MAGIC.length + 4L + 4 + END.length;
            if (size < minimum) {
                throw invalid(file, "only " + size + " bytes long");
            }
            ByteBuffer start = read(channel, 0, MAGIC.length + 4);
            byte[] magic = new byte[MAGIC.length];
            start.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw invalid(file, "not a Chainrule dataset file (wrong magic bytes)");
            }
            long headerLength = Integer.toUnsignedLong(start.getInt());
            ByteBuffer end = read(channel, size - 4 - END.length, 4 + END.length);
            long footerLength = Integer.toUnsignedLong(end.getInt());
            byte[] endMark = new byte[END.length];
            end.get(endMark);
            if (!Arrays.equals(endMark, END)) {
                throw invalid(file, "no end mark: the file was not finished or has been cut short");
            }
            if (headerLength == 0 || headerLength > MAX_JSON_BYTES || footerLength == 0 || footerLength > MAX_JSON_BYTES
                    || MAGIC.length + 4 + headerLength + footerLength + 4 + END.length > size) {
                throw invalid(file, "header length " + headerLength + " and footer length " + footerLength + " do not fit a file of " + size + " bytes");
            }
            JsonNode header = json(file, read(channel, MAGIC.length + 4, (int) headerLength), "header");
            long dataOffset = MAGIC.length + 4 + headerLength;
            long footerOffset = size - 4 - END.length - footerLength;
            JsonNode footer = json(file, read(channel, footerOffset, (int) footerLength), "footer");

            int version = header.path("formatVersion").asInt(-1);
            if (!"chainrule-dataset".equals(header.path("format").asString(null)) || version != FORMAT_VERSION
                    || !"float32".equals(header.path("dataType").asString(null))) {
                throw invalid(file, "unsupported format " + header.path("format") + " version " + version + " of " + header.path("dataType"));
            }
            List<String> featureNames = strings(file, header.path("featureColumns"), "featureColumns");
            List<String> targetNames = strings(file, header.path("targetColumns"), "targetColumns");
            if (featureNames.isEmpty() || targetNames.isEmpty()) {
                throw invalid(file, "needs at least one feature and one target column");
            }
            long rows = footer.path("rows").asLong(-1);
            long width = featureNames.size() + targetNames.size();
            if (rows < 1 || rows > Integer.MAX_VALUE || (footerOffset - dataOffset) != rows * width * Float.BYTES) {
                throw invalid(file, "footer says " + rows + " rows of " + width + " values, the file holds "
                        + (footerOffset - dataOffset) + " bytes of rows");
            }
            List<ColumnStatistics> columns = new ArrayList<>();
            JsonNode stats = footer.path("columns");
            if (!stats.isArray() || stats.size() != width) {
                throw invalid(file, "footer needs statistics of all " + width + " columns");
            }
            for (int c = 0; c < width; c++) {
                JsonNode s = stats.get(c);
                String role = c < featureNames.size() ? ColumnStatistics.FEATURE : ColumnStatistics.TARGET;
                String name = c < featureNames.size() ? featureNames.get(c) : targetNames.get(c - featureNames.size());
                columns.add(new ColumnStatistics(name, role, s.path("min").asDouble(), s.path("max").asDouble(),
                        s.path("mean").asDouble(), s.path("std").asDouble()));
            }
            Map<Integer, Long> classCounts = null;
            JsonNode counts = footer.path("classCounts");
            if (counts.isObject()) {
                classCounts = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : counts.properties()) {
                    classCounts.put(Integer.parseInt(e.getKey()), e.getValue().asLong());
                }
            }
            DatasetSummary summary = new DatasetSummary(rows, featureNames, targetNames, columns, classCounts);
            return new DatasetFile(file, dataOffset, footer.path("dataCrc32c").asLong(-1), summary);
        } catch (NumberFormatException e) {
            throw invalid(file, "a class id in the footer is not an integer");
        }
    }

    public DatasetSummary summary() {
        return summary;
    }

    /** The rows in order, a chunk at a time (see {@link DatasetRows}); the caller closes it. */
    public DatasetRows rows() throws IOException {
        return new DatasetRows(file, dataOffset, dataCrc, summary);
    }

    /** The rows as they are: features T x D and the target columns T x K, float32. */
    public Dataset load() throws IOException {
        return load(null, null);
    }

    /**
     * The rows as the engine's dataset, the targets encoded for a network's loss and output: features T x D,
     * targets T x {@link TargetEncoding#outputWidth()}, float32, off the Java heap.
     *
     * @param encoding how the target columns become the network's targets, or null for the values as they are
     * @param problems receives each target value that does not fit (at most until it is full), naming the row
     *                 and column; when it got any, the result is null
     * @throws InvalidDatasetFileException when the rows are not what the file says (checksum)
     */
    public Dataset load(TargetEncoding encoding, Problems problems) throws IOException {
        Dataset[] all = load(encoding, problems, null);
        return all == null ? null : all[0];
    }

    /**
     * As {@link #load(TargetEncoding, Problems)}, the rows read straight into the two parts of a split: the same
     * datasets as {@code split.train(rows)} and {@code split.test(rows)} (each part in file order), without a copy
     * of all the rows first.
     *
     * @param split made for this file's row count, or null for all the rows as one part
     * @return {training part, test part}, or {all rows} without a split; null when a target did not fit
     */
    public Dataset[] load(TargetEncoding encoding, Problems problems, DatasetSplit split) throws IOException {
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
                        throw invalid(file, "ends inside the rows");
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
            throw invalid(file, "the rows do not match their checksum (CRC-32C " + crc.getValue() + ", footer " + dataCrc + ")");
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
                           Problems problems) {
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

    /** Receives what is wrong with a dataset's targets for a network, one problem at a time. */
    public interface Problems {
        /** @param where "row 17, column 'species'", or null when the problem is the dataset's shape */
        void add(String where, String reason);

        /** True once the receiver wants no more problems. */
        boolean isFull();
    }

    // ---- the format ----------------------------------------------------------------------------------------

    static byte[] header(List<String> featureNames, List<String> targetNames) {
        ObjectNode header = JSON.createObjectNode();
        header.put("format", "chainrule-dataset");
        header.put("formatVersion", FORMAT_VERSION);
        header.put("dataType", "float32");
        ArrayNode features = header.putArray("featureColumns");
        featureNames.forEach(features::add);
        ArrayNode targets = header.putArray("targetColumns");
        targetNames.forEach(targets::add);
        return JSON.writeValueAsBytes(header);
    }

    static byte[] footer(DatasetSummary summary, long dataCrc) {
        ObjectNode footer = JSON.createObjectNode();
        footer.put("rows", summary.rows());
        footer.put("dataCrc32c", dataCrc);
        ArrayNode columns = footer.putArray("columns");
        for (ColumnStatistics c : summary.columns()) {
            columns.addObject().put("name", c.name()).put("role", c.role()).put("min", c.min()).put("max", c.max())
                    .put("mean", c.mean()).put("std", c.std());
        }
        if (summary.classCounts() != null) {
            ObjectNode counts = footer.putObject("classCounts");
            summary.classCounts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> counts.put(Integer.toString(e.getKey()), e.getValue()));
        }
        return JSON.writeValueAsBytes(footer);
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.hasRemaining()) {
            if (channel.read(bytes, position + bytes.position()) < 0) {
                throw new InvalidDatasetFileException("the file ends early");
            }
        }
        return bytes.flip();
    }

    private static JsonNode json(Path file, ByteBuffer bytes, String part) throws InvalidDatasetFileException {
        try {
            JsonNode node = JSON.readTree(bytes.array());
            if (!node.isObject()) {
                throw invalid(file, "the " + part + " is not a JSON object");
            }
            return node;
        } catch (JacksonException e) {
            throw invalid(file, "the " + part + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static List<String> strings(Path file, JsonNode node, String field) throws InvalidDatasetFileException {
        if (!node.isArray()) {
            throw invalid(file, "header field " + field + " is not an array");
        }
        List<String> names = new ArrayList<>(node.size());
        for (JsonNode n : node) {
            if (!n.isString()) {
                throw invalid(file, "header field " + field + " holds a non-string");
            }
            names.add(n.asString());
        }
        return names;
    }

    private static InvalidDatasetFileException invalid(Path file, String problem) {
        return new InvalidDatasetFileException(file.getFileName() + ": " + problem);
    }
}
