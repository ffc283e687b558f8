package dev.chainrule.api.prediction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.api.rows.InstanceRows;
import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.dataset.TestDatasets;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The plain-shape reader against Jackson, which reads every body it declines: the same rows, bit for bit, for real
 * MNIST requests and every kind of JSON number, and null (Jackson's turn) for everything outside the shape.
 */
class PredictRequestJsonTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void realMnistRequestIsReadBitForBitAsJacksonReadsIt() throws Exception {
        INDArray images = MnistIdxReader.readImages(TestDatasets.file("mnist/t10k-images-idx3-ubyte.gz"), DataType.DOUBLE);
        StringBuilder body = new StringBuilder("{\"instances\":[");
        for (int r = 0; r < 128; r++) {
            body.append(r == 0 ? "[" : ",[");
            for (int c = 0; c < 784; c++) {
                body.append(c == 0 ? "" : ",").append(images.getDouble(r, c)); // Java's shortest repr, like json.dumps
            }
            body.append(']');
        }
        body.append("],\"version\":3}");
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);

        PredictRequest plain = PredictRequestJson.read(bytes);
        PredictRequest jackson = JSON.readValue(bytes, PredictRequest.class);

        assertThat(plain).isNotNull();
        assertSameRows(plain, jackson);
        assertThat(plain.version()).isEqualTo(3);
        assertThat(plain.instances().rows()).isEqualTo(128);
        assertThat(plain.instances().count()).isEqualTo(128 * 784);
        assertThat(plain.instances().values()[7 * 784 + 300]).isEqualTo((float) images.getDouble(7, 300));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"instances\":[[1,2],[3,4]]}",
        " \n{ \"version\" : null ,\t\"instances\" :\r\n[ [ 1.5 , -2e3 ] , [ 0 , -0.0 ] ] } \n",
        "{\"version\":-0,\"instances\":[]}",
        "{\"instances\":[[]],\"version\":2147483647}",
        "{\"instances\":[[1e39,-1E+39,1e-50,3.4028235e38,3.4028236e38,1.4e-45,7e-46]]}",
        "{\"instances\":[[123456789012345678901234567890,0.000000000000000000000000000001234]]}",
        "{\"instances\":[[0.30000000000000004,16777217,16777219,33554431,1.00000005960464477539062500001]]}",
        "{\"instances\":[[-0,-0.0,-0e0,-0.000,0e5,-0E-0]]}",
    })
    void plainShapesAreReadAsJacksonReadsThem(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        PredictRequest plain = PredictRequestJson.read(bytes);
        assertThat(plain).as(body).isNotNull();
        assertSameRows(plain, JSON.readValue(bytes, PredictRequest.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "[]", "null", "{}", "{\"instances\":null}", "{\"instances\":[null]}", "{\"instances\":[[1,null]]}",
        "{\"instances\":[[\"1\"]]}", "{\"instances\":[[1]],\"extra\":1}", "{\"instances\":[[1]],\"instances\":[[2]]}",
        "{\"instances\":[[1]],\"version\":1,\"version\":2}", "{\"\\u0069nstances\":[[1]]}", "\uFEFF{\"instances\":[[1]]}",
        "{\"instances\":[[01]]}", "{\"instances\":[[1.]]}", "{\"instances\":[[.5]]}", "{\"instances\":[[+1]]}",
        "{\"instances\":[[-]]}", "{\"instances\":[[1e]]}", "{\"instances\":[[NaN]]}", "{\"instances\":[[1,]]}",
        "{\"instances\":[[1],]}", "{\"instances\":[[1]],}", "{\"instances\":[[1]]} x", "{\"instances\":[[1]]",
        "{\"instances\":[[[1]]]}", "{\"instances\":[[1]],\"version\":1.0}", "{\"instances\":[[1]],\"version\":\"2\"}",
        "{\"instances\":[[1]],\"version\":2147483648}", "{\"instances\":[[1]],\"version\":01}", "{\"instances\":[1,2]}",
        "{'instances':[[1]]}", "{\"instances\":[[1 2]]}", "{\"instances\":[[1]] \"version\":1}",
    })
    void everythingElseIsLeftToJackson(String body) {
        assertThat(PredictRequestJson.read(body.getBytes(StandardCharsets.UTF_8))).as(body).isNull();
    }

    @Test
    void aNumberLongerThanTheLimitIsLeftToJackson() {
        String longest = "0." + "1".repeat(PredictRequestJson.MAX_NUMBER_LENGTH - 2);
        assertThat(PredictRequestJson.read(body(longest))).isNotNull();
        assertThat(PredictRequestJson.read(body(longest + "1"))).isNull();
    }

    /** Random decimals of every length and scale: each the float32 nearest it, which Float.parseFloat computes. */
    @Test
    void everyNumberBecomesTheNearestFloat() {
        SplittableRandom random = new SplittableRandom(42);
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 400_000; i++) {
            numbers.add(randomDecimal(random));
        }
        assertNearest(numbers);
    }

    /**
     * The close calls: decimals at and within 10^-25 of the midpoint between two neighbouring floats, where an
     * estimate in double precision cannot decide and the exact text must.
     */
    @Test
    void numbersAtAndNearMidpointsBetweenFloatsRoundToNearestEven() {
        SplittableRandom random = new SplittableRandom(7);
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt(0x00800000, 0x7f000000)); // normal floats
            BigDecimal low = new BigDecimal(f);
            BigDecimal midpoint = low.add(new BigDecimal(Math.nextUp(f))).divide(BigDecimal.valueOf(2));
            BigDecimal nudge = midpoint.multiply(new BigDecimal("1e-25"));
            for (BigDecimal value : List.of(midpoint, midpoint.add(nudge), midpoint.subtract(nudge))) {
                // 17 significant digits (what a client's shortest repr of a double has) and the exact value
                numbers.add(value.round(new MathContext(17)).toString());
                String exact = value.toString();
                if (exact.length() <= PredictRequestJson.MAX_NUMBER_LENGTH) {
                    numbers.add(exact);
                }
            }
        }
        assertNearest(numbers);
    }

    /**
     * The edges of float32 (FastDoubleParser decides each number): signed zeros, subnormals down to the smallest and
     * below, the largest normal float and what rounds to it or past it to infinity, long mantissas, far exponents.
     */
    @Test
    void edgesOfFloat32AreTheNearestFloat() {
        List<String> numbers = new ArrayList<>(List.of("0", "-0.0", "0.0e0", "-0e-5", "1e-45", "-1.4e-45", "7.006492321624085e-46",
                "7.00649232162408e-46", "7.006492321624087e-46", "1e-50", "1.1754942e-38", "1.17549435e-38",
                "1.1754943508222875e-38", "3.4028235e38", "3.4028235677973366e38", "3.40282356e38", "-3.4028234663852886e38",
                "1.00000005960464477539062500000000000000000001", "0.000000000000000000000000000000000000000000001401298464324817",
                "123456789012345678901234567890e-20", "1E+38", "9.999999e37", "0.1", "0.2", "0.3", "16777217", "16777219"));
        SplittableRandom random = new SplittableRandom(2026);
        for (int i = 0; i < 50_000; i++) {
            // subnormal floats and their neighbourhood, written with 6 to 20 significant digits
            float f = Float.intBitsToFloat(random.nextInt(1, 0x00900000)) * (random.nextBoolean() ? 1 : -1);
            numbers.add(new BigDecimal(f).round(new MathContext(random.nextInt(6, 21))).toString().replace("E", "e"));
        }
        assertNearest(numbers);
    }

    /** Numbers past the largest float become infinity, which the request reports as out of range (a 4xx). */
    @Test
    void numbersBeyondFloat32AreOutOfRange() {
        for (String number : List.of("3.4028236e38", "1e39", "-1e39", "3.402823567797337e38", "1e400")) {
            PredictRequest request = PredictRequestJson.read(body(number));
            assertThat(request).as(number).isNotNull();
            assertThat(request.instances().values()[0]).as(number).isInfinite();
            assertThat(request.instances().outOfRange()).as(number).hasSize(1);
        }
        // the largest float itself, and what rounds down to it, is in range
        for (String number : List.of("3.4028235e38", "3.4028235677973362e38")) {
            PredictRequest request = PredictRequestJson.read(body(number));
            assertThat(request.instances().values()[0]).as(number).isEqualTo(Float.MAX_VALUE);
            assertThat(request.instances().outOfRange()).as(number).isEmpty();
        }
    }

    /** Jackson, which reads what the plain reader declines, gives the same float for every number. */
    @Test
    void jacksonGivesTheSameFloats() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        StringBuilder array = new StringBuilder("[");
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            String number = randomDecimal(random);
            numbers.add(number);
            array.append(i == 0 ? "" : ",").append(number);
        }
        array.append(']');
        try (JsonParser parser = JSON.createParser(array.toString())) {
            assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            for (String number : numbers) {
                parser.nextToken();
                assertThat(Float.floatToRawIntBits(parser.getFloatValue())).as(number)
                        .isEqualTo(Float.floatToRawIntBits(Float.parseFloat(number)));
            }
        }
    }

    /**
     * Random damage to valid bodies (a byte replaced, dropped or doubled, among the characters JSON is made of):
     * whatever the plain reader accepts, Jackson reads too, to the same rows. It never takes malformed JSON for a
     * request.
     */
    @Test
    void whatThePlainReaderAcceptsJacksonReadsAlike() {
        SplittableRandom random = new SplittableRandom(3);
        byte[] alphabet = "0123456789-+.eE,[]{}\": \nnul\"instances\"version".getBytes(StandardCharsets.US_ASCII);
        String[] bodies = {
            "{\"instances\":[[0.0,0.5,-1.25e-3],[1,2,3]],\"version\":2}",
            "{ \"version\" : null , \"instances\" : [ [ 0.0 , 0 , 12.5 ] ] }",
            "{\"instances\":[[0.0,0.0,0.0,0.0],[0.0,0.30000000000000004,0.0,1E+2]]}",
        };
        int accepted = 0;
        int declined = 0;
        for (int i = 0; i < 60_000; i++) {
            byte[] body = bodies[i % bodies.length].getBytes(StandardCharsets.US_ASCII);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(body.length);
                byte b = alphabet[random.nextInt(alphabet.length)];
                body = switch (random.nextInt(3)) {
                    case 0 -> { byte[] copy = body.clone(); copy[at] = b; yield copy; }
                    case 1 -> concat(Arrays.copyOfRange(body, 0, at), Arrays.copyOfRange(body, at + 1, body.length));
                    default -> concat(Arrays.copyOfRange(body, 0, at + 1), Arrays.copyOfRange(body, at, body.length));
                };
            }
            PredictRequest plain = PredictRequestJson.read(body);
            if (plain == null) {
                declined++;
                continue;
            }
            accepted++;
            String text = new String(body, StandardCharsets.US_ASCII);
            PredictRequest jackson;
            try {
                jackson = JSON.readValue(body, PredictRequest.class);
            } catch (RuntimeException e) {
                throw new AssertionError("the plain reader accepted what Jackson refuses: " + text, e);
            }
            assertThat(jackson).as(text).isNotNull();
            assertSameRows(plain, jackson);
        }
        assertThat(accepted).as("bodies still valid after the damage").isGreaterThan(1000);
        assertThat(declined).as("bodies the damage broke").isGreaterThan(10_000);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertNearest(List<String> numbers) {
        StringBuilder row = new StringBuilder("{\"instances\":[[");
        for (int i = 0; i < numbers.size(); i++) {
            row.append(i == 0 ? "" : ",").append(numbers.get(i));
        }
        row.append("]]}");
        PredictRequest request = PredictRequestJson.read(row.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(request).isNotNull();
        float[] values = request.instances().values();
        for (int i = 0; i < numbers.size(); i++) {
            float expected = Float.parseFloat(numbers.get(i));
            if (Float.floatToRawIntBits(values[i]) != Float.floatToRawIntBits(expected)) {
                assertThat(values[i]).as(numbers.get(i)).isEqualTo(expected);
            }
        }
    }

    /** A JSON number: sign, 1-25 digits with or without a fraction, an exponent from -50 to 45 or none. */
    private static String randomDecimal(SplittableRandom random) {
        StringBuilder number = new StringBuilder();
        if (random.nextBoolean()) {
            number.append('-');
        }
        int digits = random.nextInt(1, 26);
        StringBuilder all = new StringBuilder();
        all.append((char) ('1' + random.nextInt(9)));
        for (int d = 1; d < digits; d++) {
            all.append((char) ('0' + random.nextInt(10)));
        }
        int point = random.nextInt(0, digits + 1);
        if (point == 0) {
            number.append("0.").append("0".repeat(random.nextInt(0, 4))).append(all);
        } else if (point == digits) {
            number.append(all);
        } else {
            number.append(all, 0, point).append('.').append(all, point, digits);
        }
        if (random.nextInt(3) == 0) {
            number.append(random.nextBoolean() ? 'e' : 'E');
            int exponent = random.nextInt(-50, 46);
            number.append(exponent >= 0 && random.nextBoolean() ? "+" : "").append(String.format(Locale.ROOT, "%d", exponent));
        }
        return number.toString();
    }

    private static byte[] body(String number) {
        return ("{\"instances\":[[" + number + "]]}").getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertSameRows(PredictRequest actual, PredictRequest expected) {
        InstanceRows a = actual.instances();
        InstanceRows e = expected.instances();
        assertThat(a.count()).isEqualTo(e.count());
        for (int i = 0; i < a.count(); i++) {
            assertThat(Float.floatToRawIntBits(a.values()[i])).as("value %d", i)
                    .isEqualTo(Float.floatToRawIntBits(e.values()[i]));
        }
        assertThat(a.rowStarts()).isEqualTo(e.rowStarts());
        assertThat(a.nullRows()).isEqualTo(e.nullRows());
        assertThat(a.outOfRange()).isEqualTo(e.outOfRange());
        assertThat(actual.version()).isEqualTo(expected.version());
    }
}
