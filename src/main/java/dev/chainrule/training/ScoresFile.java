package dev.chainrule.training;

import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A scoring job's result (docs/scoring.md): a short JSON header, then every row's outputs (and class index for a
 * classifier) as float32, little-endian, row-major, in the dataset's row order.
 *
 * <pre>
 * "CHAINRULE-SCORES\n" | u32 n | header (n bytes JSON) | rows x C float32
 * </pre>
 * The CSV form is made from it as it is downloaded, a buffer at a time.
 */
public final class ScoresFile {
    static final byte[] MAGIC = "CHAINRULE-SCORES\n".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    /** A header longer than this is not one. */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    private static final int BUFFER_BYTES = 1 << 16;

    private ScoresFile() {
    }

    /** The column names of a result: output_0 .. output_{K-1}, then "class" when there is a class index. */
    static List<String> columns(int outputs, boolean classIndex) {
        List<String> names = new ArrayList<>();
        for (int j = 0; j < outputs; j++) {
            names.add("output_" + j);
        }
        if (classIndex) {
            names.add("class");
        }
        return names;
    }

    /** Writes a result file's rows a chunk at a time; {@link #close} leaves the file complete. */
    static final class Writer implements AutoCloseable {
        private final FileChannel channel;
        private final int width;
        private ByteBuffer buffer;

        Writer(Path file, long rows, List<String> columns) throws IOException {
            this.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            this.width = columns.size();
            ObjectNode header = JobRepository.JSON.createObjectNode();
            header.put("format", "chainrule-scores");
            header.put("formatVersion", FORMAT_VERSION);
            header.put("dataType", "float32");
            header.put("rows", rows);
            header.putPOJO("columns", columns);
            byte[] json = JobRepository.JSON.writeValueAsBytes(header);
            ByteBuffer start = ByteBuffer.allocate(MAGIC.length + 4 + json.length).order(ByteOrder.LITTLE_ENDIAN);
            start.put(MAGIC).putInt(json.length).put(json).flip();
            writeFully(start);
        }

        /** Rows' values, {@code height} x C row-major. */
        void write(float[] values, int height) throws IOException {
            int bytes = Math.multiplyExact(height, width) * Float.BYTES;
            if (buffer == null || buffer.capacity() < bytes) {
                buffer = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
            buffer.clear();
            buffer.asFloatBuffer().put(values, 0, height * width);
            buffer.limit(bytes);
            writeFully(buffer);
        }

        private void writeFully(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** A result file's header, read from the start of its stream (which is left at the first row). */
    record Header(long rows, List<String> columns) {
        static Header read(DataInputStream in) throws IOException {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a Chainrule scores file (wrong magic bytes)");
            }
            int length = Integer.reverseBytes(in.readInt());
            if (length <= 0 || length > MAX_HEADER_BYTES) {
                throw new IOException("a scores file header of " + length + " bytes");
            }
            byte[] json = new byte[length];
            in.readFully(json);
            JsonNode header = JobRepository.JSON.readTree(json);
            List<String> columns = new ArrayList<>();
            header.path("columns").forEach(c -> columns.add(c.asString()));
            return new Header(header.path("rows").asLong(), columns);
        }
    }

    /**
     * Writes the result as CSV: a header row of the column names, then one line per row; outputs as the shortest
     * decimal that reads back as the same float32, the class index as an integer.
     */
    public static void writeCsv(InputStream scores, OutputStream out) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(scores, BUFFER_BYTES));
        Header header = Header.read(in);
        int width = header.columns().size();
        boolean classIndex = !header.columns().isEmpty() && "class".equals(header.columns().get(width - 1));
        BufferedWriter csv = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.US_ASCII), BUFFER_BYTES);
        csv.write(String.join(",", header.columns()));
        csv.write('\n');
        StringBuilder line = new StringBuilder();
        for (long r = 0; r < header.rows(); r++) {
            line.setLength(0);
            for (int c = 0; c < width; c++) {
                float value;
                try {
                    value = Float.intBitsToFloat(Integer.reverseBytes(in.readInt()));
                } catch (EOFException e) {
                    throw new IOException("the scores file ends at row " + r + " of " + header.rows(), e);
                }
                if (c > 0) {
                    line.append(',');
                }
                if (classIndex && c == width - 1) {
                    line.append((int) value);
                } else {
                    line.append(value);
                }
            }
            line.append('\n');
            csv.append(line);
        }
        csv.flush();
    }
}
