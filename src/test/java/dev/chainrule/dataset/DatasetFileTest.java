package dev.chainrule.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.training.Dataset;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class DatasetFileTest {
    private static final CsvDatasetReader LAST = CsvDatasetReader.lastColumnAsTarget();

    @TempDir
    Path dir;

    @Test
    void irisRoundTripKeepsEveryValueAndReportsStatisticsAndClassCounts() throws IOException {
        Path csv = TestDatasets.file("iris/iris.csv");
        Path file = dir.resolve("iris.bin");

        DatasetSummary written;
        try (InputStream in = Files.newInputStream(csv)) {
            written = DatasetFileWriter.fromCsv(LAST, in, "iris.csv", file);
        }
        DatasetFile opened = DatasetFile.open(file);
        DatasetSummary summary = opened.summary();

        assertThat(summary).isEqualTo(written);
        assertThat(summary.rows()).isEqualTo(150);
        assertThat(summary.featureColumns()).containsExactly("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm");
        assertThat(summary.targetColumns()).containsExactly("species");
        assertThat(summary.classCounts()).containsExactlyInAnyOrderEntriesOf(Map.of(0, 50L, 1, 50L, 2, 50L));
        assertThat(summary.classCount()).isEqualTo(3);
        assertStatisticsMatchTheCsv(csv, summary);
        // 18 magic + 4 + header + 150 x 5 floats + footer + 4 + 4
        assertThat(Files.size(file)).isGreaterThan(150 * 5 * 4 + 30);

        CsvTable table = LAST.read(csv);
        Dataset raw = opened.load();
        assertThat(raw.features()).isEqualTo(table.features(DataType.FLOAT));
        assertThat(raw.targets()).isEqualTo(table.targetValues(DataType.FLOAT));
        Dataset encoded = opened.load(new TargetEncoding(LossKind.CROSS_ENTROPY, 3), new CollectedProblems());
        assertThat(encoded.targets()).isEqualTo(table.oneHotTargets(DataType.FLOAT));
        assertThat(encoded.features()).isEqualTo(table.features(DataType.FLOAT));
    }

    @Test
    void statisticsOfEveryRealCsvMatchAnIndependentTwoPassComputation() throws IOException {
        for (String name : List.of("breast_cancer/breast_cancer.csv", "concrete/concrete.csv", "wine/wine.csv",
                "diabetes/diabetes.csv", "digits8x8/digits8x8.csv")) {
            Path csv = TestDatasets.file(name);
            Path file = dir.resolve(name.replace('/', '-') + ".bin");
            try (InputStream in = Files.newInputStream(csv)) {
                DatasetFileWriter.fromCsv(LAST, in, name, file);
            }
            assertStatisticsMatchTheCsv(csv, DatasetFile.open(file).summary());
        }
    }

    @Test
    void welfordStaysAccurateWhenTheMeanDwarfsTheSpread() throws IOException {
        // float32 values 1e4 + 0.1 i: the naive sum-of-squares formula loses most digits of a std of ~0.3
        StringBuilder csv = new StringBuilder("x,y\n");
        List<Float> values = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            float v = 10_000f + (i % 10) * 0.125f;
            values.add(v);
            csv.append(v).append(",1\n");
        }
        DatasetSummary summary = write("offset.csv", csv.toString());

        ColumnStatistics x = summary.columns().get(0);
        BigDecimal[] exact = exactMeanAndStd(values.stream().mapToDouble(Float::doubleValue).toArray());
        assertThat(x.mean()).isCloseTo(exact[0].doubleValue(), within(1e-9));
        assertThat(x.std()).isCloseTo(exact[1].doubleValue(), within(1e-9));
        assertThat(x.min()).isEqualTo(10_000.0);
        assertThat(x.max()).isEqualTo(10_001.125);
        assertThat(summary.classCounts()).containsExactly(Map.entry(1, 10_000L));
    }

    @Test
    void classCountsOnlyForOneTargetColumnOfNonNegativeIntegers() throws IOException {
        assertThat(write("gaps.csv", "a,y\n1,0\n2,4\n3,4\n4,0\n5,65535\n").classCounts())
                .containsExactlyInAnyOrderEntriesOf(Map.of(0, 2L, 4, 2L, 65_535, 1L));
        assertThat(write("fraction.csv", "a,y\n1,0\n2,1.5\n").classCounts()).isNull();
        assertThat(write("negative.csv", "a,y\n1,0\n2,-1\n3,1\n").classCounts()).isNull();
        assertThat(write("large.csv", "a,y\n1,0\n2,65536\n").classCounts()).isNull();
        DatasetSummary two = writeWith(CsvDatasetReader.targetColumns("y1", "y2"), "two.csv", "a,y1,y2\n1,0,1\n2,1,0\n");
        assertThat(two.classCounts()).isNull();
        assertThat(two.classCount()).isZero();
        assertThat(two.columns()).extracting(ColumnStatistics::role).containsExactly("feature", "target", "target");
    }

    @Test
    void rowsSpanningManyReadBuffersAndAGzippedSourceRoundTrip() throws IOException {
        int rows = 130_000; // 5 values a row: about 52,000 rows per 1 MB buffer, so three buffers
        Path csv = dir.resolve("big.csv.gz");
        try (Writer out = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(csv)), StandardCharsets.UTF_8)) {
            out.write("a,b,c,d,label\n");
            for (int r = 0; r < rows; r++) {
                out.write(r + "," + (r * 0.5f) + "," + (-r) + "," + (r % 7) + "," + (r % 4) + "\n");
            }
        }
        Path file = dir.resolve("big.bin");
        try (InputStream in = Files.newInputStream(csv)) {
            DatasetFileWriter.fromCsv(LAST, in, "big.csv.gz", file);
        }

        DatasetFile opened = DatasetFile.open(file);
        assertThat(opened.summary().classCounts()).containsExactlyInAnyOrderEntriesOf(
                Map.of(0, 32_500L, 1, 32_500L, 2, 32_500L, 3, 32_500L));
        Dataset data = opened.load(new TargetEncoding(LossKind.CROSS_ENTROPY, 5), new CollectedProblems());
        assertThat(data.features().shape()).containsExactly(rows, 4);
        assertThat(data.targets().shape()).containsExactly(rows, 5);
        for (int r : new int[] {0, 1, 52_427, 52_428, 52_429, 104_857, rows - 1}) {
            assertThat(data.features().getFloat(r, 0)).isEqualTo((float) r);
            assertThat(data.features().getFloat(r, 1)).isEqualTo(r * 0.5f);
            assertThat(data.features().getFloat(r, 2)).isEqualTo((float) -r);
            assertThat(data.features().getFloat(r, 3)).isEqualTo((float) (r % 7));
            float[] target = data.targets().getRow(r).toFloatVector();
            float[] expected = new float[5];
            expected[r % 4] = 1;
            assertThat(target).as("row %d", r).containsExactly(expected);
        }
    }

    @Test
    void aSplitReadStraightIntoItsPartsIsTheSplitOfAllTheRows() throws IOException {
        int rows = 130_000; // three read buffers, so rows of both parts cross a buffer's end
        Path csv = dir.resolve("split.csv");
        try (Writer out = new OutputStreamWriter(Files.newOutputStream(csv), StandardCharsets.UTF_8)) {
            out.write("a,b,c,d,label\n");
            for (int r = 0; r < rows; r++) {
                out.write(r + "," + (r * 0.25f) + "," + (-r) + "," + (r % 11) + "," + (r % 4) + "\n");
            }
        }
        Path file = dir.resolve("split.bin");
        try (InputStream in = Files.newInputStream(csv)) {
            DatasetFileWriter.fromCsv(LAST, in, "split.csv", file);
        }
        DatasetFile opened = DatasetFile.open(file);
        TargetEncoding encoding = new TargetEncoding(LossKind.CROSS_ENTROPY, 5);
        Dataset all = opened.load(encoding, new CollectedProblems());
        DatasetSplit split = DatasetSplit.random(rows, 0.3, 17);

        Dataset[] parts = opened.load(encoding, new CollectedProblems(), split);

        assertThat(parts).hasSize(2);
        Dataset train = split.train(all);
        Dataset test = split.test(all);
        assertThat(parts[0].features().shape()).containsExactly(rows - 39_000, 4);
        assertThat(parts[1].features().shape()).containsExactly(39_000, 4);
        assertThat(parts[0].features().data().asFloat()).isEqualTo(train.features().data().asFloat());
        assertThat(parts[0].targets().data().asFloat()).isEqualTo(train.targets().data().asFloat());
        assertThat(parts[1].features().data().asFloat()).isEqualTo(test.features().data().asFloat());
        assertThat(parts[1].targets().data().asFloat()).isEqualTo(test.targets().data().asFloat());
        // and a split for another row count is refused
        assertThatThrownBy(() -> opened.load(encoding, new CollectedProblems(), DatasetSplit.random(rows - 1, 0.3, 17)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- targets for a network's loss --------------------------------------------------------------------------

    @Test
    void classIdsOutsideTheOutputNameTheRowAndColumn() throws IOException {
        DatasetFile file = open("ids.csv", "a,species\n1,0\n2,3\n3,1.5\n4,2\n");

        CollectedProblems problems = new CollectedProblems();
        assertThat(file.load(new TargetEncoding(LossKind.CROSS_ENTROPY, 3), problems)).isNull();

        assertThat(problems.list).containsExactly(
                "row 1, column 'species': must be a class id 0..2 (the output layer has 3 units), got 3",
                "row 2, column 'species': must be a class id 0..2 (the output layer has 3 units), got 1.5");
    }

    @Test
    void targetColumnCountMustFitTheOutput() throws IOException {
        DatasetFile one = open("one.csv", "a,y\n1,0.5\n2,1.5\n");
        CollectedProblems problems = new CollectedProblems();

        assertThat(one.load(new TargetEncoding(LossKind.SQUARED_ERROR, 2), problems)).isNull();
        assertThat(problems.list).containsExactly(
                "null: has 1 target column(s) but the model's output layer has 2 unit(s): give 2 target column(s) [y]");

        Dataset regression = one.load(new TargetEncoding(LossKind.SQUARED_ERROR, 1), new CollectedProblems());
        assertThat(regression.targets().toFloatVector()).containsExactly(0.5f, 1.5f);
    }

    @Test
    void severalTargetColumnsFeedOneOutputEachAndAreCheckedForTheLoss() throws IOException {
        CsvDatasetReader two = CsvDatasetReader.targetColumns("p", "q");
        DatasetFile distributions = DatasetFile.open(writeFile(two, "dist.csv", "a,p,q\n1,0.25,0.75\n2,1,0\n"));
        Dataset ok = distributions.load(new TargetEncoding(LossKind.CROSS_ENTROPY, 2), new CollectedProblems());
        assertThat(ok.targets().toFloatMatrix()).isDeepEqualTo(new float[][] {{0.25f, 0.75f}, {1, 0}});

        DatasetFile notDistributions = DatasetFile.open(writeFile(two, "bad.csv", "a,p,q\n1,0.5,0.75\n2,1,0.5\n"));
        CollectedProblems problems = new CollectedProblems();
        assertThat(notDistributions.load(new TargetEncoding(LossKind.LOG_LOSS, 2), problems)).isNull();
        assertThat(problems.list).containsExactly("row 0, column 'p': must be 0 or 1 for log_loss, got 0.5",
                "row 0, column 'q': must be 0 or 1 for log_loss, got 0.75", "row 1, column 'q': must be 0 or 1 for log_loss, got 0.5");
        problems = new CollectedProblems();
        assertThat(notDistributions.load(new TargetEncoding(LossKind.CROSS_ENTROPY, 2), problems)).isNull();
        assertThat(problems.list).containsExactly(
                "row 0, target columns [p, q]: must be a distribution over the 2 classes (non-negative, summing to 1), sums to 1.25",
                "row 1, target columns [p, q]: must be a distribution over the 2 classes (non-negative, summing to 1), sums to 1.5");
    }

    // ---- damaged files and failed writes --------------------------------------------------------------------

    @Test
    void aBadCsvLeavesNoFile() throws IOException {
        Path file = dir.resolve("ragged.bin");

        assertThatThrownBy(() -> DatasetFileWriter.fromCsv(LAST, stream("a,b,y\n1,2,0\n3,4\n"), "ragged.csv", file))
                .isInstanceOf(InvalidCsvException.class).hasMessageContaining("line 3");
        assertThat(file).doesNotExist();
        assertThatThrownBy(() -> DatasetFileWriter.fromCsv(LAST.withMaxBytes(10, "limit"), stream("a,b,y\n1,2,0\n3,4,5\n"), "big.csv", file))
                .isInstanceOf(DatasetTooLargeException.class);
        assertThat(file).doesNotExist();
    }

    @Test
    void cutShortOrAlteredFilesAreRefused() throws IOException {
        Path file = writeFile(LAST, "ok.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,0\n");
        byte[] bytes = Files.readAllBytes(file);

        Path cut = Files.write(dir.resolve("cut.bin"), Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> DatasetFile.open(cut)).isInstanceOf(InvalidDatasetFileException.class).hasMessageContaining("no end mark");

        Path unfinished = dir.resolve("unfinished.bin");
        try (DatasetFileWriter writer = new DatasetFileWriter(unfinished)) {
            writer.columns(List.of("a"), List.of("y"));
            writer.row(new float[] {1}, new float[] {0}, 2);
        }
        assertThatThrownBy(() -> DatasetFile.open(unfinished)).isInstanceOf(InvalidDatasetFileException.class);

        Path wrongMagic = dir.resolve("magic.bin");
        byte[] other = bytes.clone();
        other[0] = 'X';
        Files.write(wrongMagic, other);
        assertThatThrownBy(() -> DatasetFile.open(wrongMagic)).hasMessageContaining("wrong magic");

        // one data value changed: the header and footer are intact, the checksum is not
        Path flipped = dir.resolve("flipped.bin");
        Files.write(flipped, bytes);
        long dataStart = 18 + 4 + ByteBuffer.wrap(bytes, 18, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        try (FileChannel channel = FileChannel.open(flipped, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 7f), dataStart);
        }
        DatasetFile opened = DatasetFile.open(flipped);
        assertThatThrownBy(opened::load).isInstanceOf(InvalidDatasetFileException.class).hasMessageContaining("checksum");
    }

    @Test
    void theFileLayoutIsTheDocumentedOne() throws IOException {
        Path file = writeFile(LAST, "tiny.csv", "a,b,y\n1,2.5,0\n-3,4,1\n");
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);

        byte[] magic = new byte[18];
        bytes.get(magic);
        assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("CHAINRULE-DATASET\n");
        int headerLength = bytes.getInt();
        byte[] header = new byte[headerLength];
        bytes.get(header);
        assertThat(new String(header, StandardCharsets.UTF_8)).isEqualTo(
                "{\"format\":\"chainrule-dataset\",\"formatVersion\":1,\"dataType\":\"float32\",\"featureColumns\":[\"a\",\"b\"],\"targetColumns\":[\"y\"]}");
        float[] values = new float[6];
        for (int i = 0; i < 6; i++) {
            values[i] = bytes.getFloat();
        }
        assertThat(values).containsExactly(1f, 2.5f, 0f, -3f, 4f, 1f);
        int footerStart = bytes.position();
        int footerLength = bytes.getInt(bytes.limit() - 8);
        assertThat(footerStart + footerLength + 8).isEqualTo(bytes.limit());
        String footer = new String(bytes.array(), footerStart, footerLength, StandardCharsets.UTF_8);
        assertThat(footer).startsWith("{\"rows\":2,\"dataCrc32c\":").contains("\"classCounts\":{\"0\":1,\"1\":1}")
                .contains("{\"name\":\"a\",\"role\":\"feature\",\"min\":-3.0,\"max\":1.0,\"mean\":-1.0,\"std\":2.0}");
        assertThat(new String(bytes.array(), bytes.limit() - 4, 4, StandardCharsets.US_ASCII)).isEqualTo("END\n");
    }

    // ---- support ----------------------------------------------------------------------------------------------

    private DatasetSummary write(String name, String csv) throws IOException {
        return writeWith(LAST, name, csv);
    }

    private DatasetSummary writeWith(CsvDatasetReader reader, String name, String csv) throws IOException {
        return DatasetFile.open(writeFile(reader, name, csv)).summary();
    }

    private DatasetFile open(String name, String csv) throws IOException {
        return DatasetFile.open(writeFile(LAST, name, csv));
    }

    private Path writeFile(CsvDatasetReader reader, String name, String csv) throws IOException {
        Path file = dir.resolve(name + ".bin");
        DatasetFileWriter.fromCsv(reader, stream(csv), name, file);
        return file;
    }

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Compares every column's statistics with a two-pass computation in BigDecimal over the CSV's cells, split on
     * commas (the files of datasets/ have no quoting), each rounded to float32 as the file stores it.
     */
    static void assertStatisticsMatchTheCsv(Path csv, DatasetSummary summary) throws IOException {
        List<String> lines = Files.readAllLines(csv).stream().filter(l -> !l.isBlank()).toList();
        String[] header = lines.get(0).split(",");
        int columns = header.length;
        double[][] values = new double[columns][lines.size() - 1];
        for (int r = 1; r < lines.size(); r++) {
            String[] cells = lines.get(r).split(",");
            for (int c = 0; c < columns; c++) {
                values[c][r - 1] = Float.parseFloat(cells[c].strip());
            }
        }
        Map<String, ColumnStatistics> byName = new LinkedHashMap<>();
        summary.columns().forEach(s -> byName.put(s.name(), s));
        assertThat(byName).hasSize(columns);
        for (int c = 0; c < columns; c++) {
            ColumnStatistics s = byName.get(header[c].strip());
            double[] v = values[c];
            BigDecimal[] exact = exactMeanAndStd(v);
            double scale = Math.max(1, Math.abs(exact[0].doubleValue()));
            assertThat(s.mean()).as("%s mean of %s", csv.getFileName(), s.name()).isCloseTo(exact[0].doubleValue(), within(1e-12 * scale));
            assertThat(s.std()).as("%s std of %s", csv.getFileName(), s.name())
                    .isCloseTo(exact[1].doubleValue(), within(1e-12 * Math.max(scale, exact[1].doubleValue())));
            // the float32 extremes, written as their shortest decimal: the CSV's own text for these files
            assertThat((float) s.min()).isEqualTo((float) Arrays.stream(v).min().orElseThrow());
            assertThat((float) s.max()).isEqualTo((float) Arrays.stream(v).max().orElseThrow());
            assertThat(s.min()).isEqualTo(Double.parseDouble(Float.toString((float) Arrays.stream(v).min().orElseThrow())));
        }
    }

    /** Mean and population standard deviation, two passes in 50-digit decimal arithmetic. */
    static BigDecimal[] exactMeanAndStd(double[] values) {
        MathContext mc = new MathContext(50);
        BigDecimal sum = BigDecimal.ZERO;
        for (double v : values) {
            sum = sum.add(new BigDecimal(v));
        }
        BigDecimal n = BigDecimal.valueOf(values.length);
        BigDecimal mean = sum.divide(n, mc);
        BigDecimal squares = BigDecimal.ZERO;
        for (double v : values) {
            BigDecimal d = new BigDecimal(v).subtract(mean);
            squares = squares.add(d.multiply(d));
        }
        return new BigDecimal[] {mean, squares.divide(n, mc).sqrt(mc)};
    }

    static final class CollectedProblems implements DatasetFile.Problems {
        final List<String> list = new ArrayList<>();

        @Override
        public void add(String where, String reason) {
            list.add(where + ": " + reason);
        }

        @Override
        public boolean isFull() {
            return list.size() >= 20;
        }
    }
}
