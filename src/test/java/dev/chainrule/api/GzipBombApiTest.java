package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A gzip "zip bomb" against the default limits (1 GB of CSV, chainrule.limits.max-gzip-ratio 200): a few MB of gzip
 * that inflate to 1.5 GB of a valid CSV are refused with 413 within the first megabytes of CSV, instead of being
 * parsed up to the byte limit. The bomb is made here and streamed: one gzip member whose deflate stream repeats
 * the compressed bytes of 1.5 MB of rows a thousand times (each ends with a full flush, which makes it stand
 * alone), with the CRC and length of all 1.5 GB in its trailer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GzipBombApiTest extends ApiTestSupport {
    private static final int REPEATS = 1000;
    private static final String HEADER = "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15,c16,c17,c18,c19,c20,c21,c22,c23,"
            + "c24,c25,c26,c27,c28,c29,y\n";
    private static final String ROWS = "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n".repeat(24_000);
    private static final Pattern INFLATED = Pattern.compile("(\\d+) bytes of CSV from the first (\\d+) compressed bytes");

    @Test
    void aGzipBombIsRefusedWithinItsFirstMegabytesAsA413() throws IOException {
        Bomb bomb = new Bomb();
        assertThat(bomb.inflatedSize).isGreaterThan(1_400_000_000L); // past the default 1 GB of chainrule.limits.max-dataset-size
        assertThat(bomb.compressedSize).isLessThan(5_000_000L); // deflate of these rows: about 340 to 1
        // it is a valid gzip file of a valid CSV: its first rows inflate and parse
        try (BufferedReader csv = new BufferedReader(new InputStreamReader(new GZIPInputStream(bomb.stream()), StandardCharsets.US_ASCII))) {
            assertThat(csv.readLine()).isEqualTo(HEADER.strip());
            assertThat(csv.readLine()).isEqualTo(ROWS.lines().findFirst().orElseThrow());
        }
        long datasetsBefore = get("/datasets?size=1").json().get("totalItems").asLong();

        Reply streamed = send(HttpRequest.newBuilder(uri("/datasets")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(bomb::stream)));

        assertRefusedEarly(streamed);
        assertThat(get("/datasets?size=1").json().get("totalItems").asLong()).isEqualTo(datasetsBefore);
    }

    /** The 413 names the ratio setting and says how far the CSV got: a few MB of it, not the 1 GB byte limit. */
    private static void assertRefusedEarly(Reply response) {
        String detail = assertProblem(response, 413, "payload-too-large").get("detail").asString();
        assertThat(detail).contains("inflates more than 200 times", "chainrule.limits.max-gzip-ratio");
        Matcher m = INFLATED.matcher(detail);
        assertThat(m.find()).as(detail).isTrue();
        long inflated = Long.parseLong(m.group(1));
        long compressed = Long.parseLong(m.group(2));
        assertThat(inflated).isGreaterThan(200L * compressed).isLessThan(64L << 20);
    }

    /** The bomb's parts: gzip header, the header row's deflate bytes, the rows' (repeated), the end, the trailer. */
    private static final class Bomb {
        final byte[] start;
        final byte[] rows;
        final byte[] end;
        final long inflatedSize;
        final long compressedSize;

        Bomb() {
            byte[] header = HEADER.getBytes(StandardCharsets.US_ASCII);
            byte[] text = ROWS.getBytes(StandardCharsets.US_ASCII);
            CRC32 crc = new CRC32();
            crc.update(header);
            for (int i = 0; i < REPEATS; i++) {
                crc.update(text);
            }
            inflatedSize = header.length + (long) text.length * REPEATS;
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff}); // gzip, deflate, no name
            first.writeBytes(deflate(header, false));
            start = first.toByteArray();
            rows = deflate(text, false);
            ByteArrayOutputStream last = new ByteArrayOutputStream();
            last.writeBytes(deflate(new byte[0], true));
            last.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue())
                    .putInt((int) inflatedSize).array());
            end = last.toByteArray();
            compressedSize = start.length + (long) rows.length * REPEATS + end.length;
        }

        InputStream stream() {
            List<InputStream> parts = new ArrayList<>();
            parts.add(new ByteArrayInputStream(start));
            for (int i = 0; i < REPEATS; i++) {
                parts.add(new ByteArrayInputStream(rows));
            }
            parts.add(new ByteArrayInputStream(end));
            return new SequenceInputStream(Collections.enumeration(parts));
        }

        /** Raw deflate of the bytes, ending with a full flush (byte-aligned, no reference back), or the final block. */
        private static byte[] deflate(byte[] data, boolean finish) {
            Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
            deflater.setInput(data);
            if (finish) {
                deflater.finish();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[1 << 16];
            while (true) {
                int n = deflater.deflate(buffer, 0, buffer.length, finish ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH);
                out.write(buffer, 0, n);
                if (finish ? deflater.finished() : n < buffer.length && deflater.needsInput()) {
                    break;
                }
            }
            deflater.end();
            return out.toByteArray();
        }
    }
}
