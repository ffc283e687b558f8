package dev.chainrule.dataset;

import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Java heap ({@link DatasetFileLoad}).
 */
public final class DatasetFile {
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = "CHAINRULE-DATASET\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "END\n".getBytes(StandardCharsets.US_ASCII);
    /** A header or footer larger than this is not one: refuse it before allocating. */
    static final int MAX_JSON_BYTES = 64 << 20;
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
        return new DatasetFileLoad(file, dataOffset, dataCrc, summary).load(encoding, problems, split);
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

    static InvalidDatasetFileException invalid(Path file, String problem) {
        return new InvalidDatasetFileException(file.getFileName() + ": " + problem);
    }
}
