package dev.chainrule.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.training.Dataset;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CsvDatasetReaderTest {
    private static final CsvDatasetReader LAST = CsvDatasetReader.lastColumnAsTarget();

    @TempDir
    Path dir;

    // ---- reading valid files -------------------------------------------------------------------------------

    @Test
    void readsFeaturesAndTheLastColumnAsTarget() throws IOException {
        CsvTable table = LAST.read(write("small.csv", "a,b,label\n1,2.5,0\n-3,4e-1,2\n5, 6 ,1\n"));

        assertThat(table.source()).isEqualTo("small.csv");
        assertThat(table.featureNames()).containsExactly("a", "b");
        assertThat(table.targetNames()).containsExactly("label");
        assertThat(table.rows()).isEqualTo(3);
        assertThat(table.features(DataType.FLOAT))
                .isEqualTo(Nd4j.createFromArray(new float[][] {{1, 2.5f}, {-3, 0.4f}, {5, 6}}));
        assertThat(table.targetValues(DataType.FLOAT)).isEqualTo(Nd4j.createFromArray(new float[][] {{0}, {2}, {1}}));
        assertThat(table.lineNumber(0)).isEqualTo(2);
        assertThat(table.lineNumber(2)).isEqualTo(4);
    }

    @Test
    void classIdsBecomeOneHotRowsWithMaxIdPlusOneClasses() throws IOException {
        CsvTable table = LAST.read(write("classes.csv", "x,y\n0.5,0\n1.5,3\n2.5,1\n"));

        assertThat(table.classIds()).containsExactly(0, 3, 1);
        assertThat(table.classCount()).isEqualTo(4);
        assertThat(table.oneHotTargets(DataType.FLOAT)).isEqualTo(Nd4j.createFromArray(new float[][] {
                {1, 0, 0, 0}, {0, 0, 0, 1}, {0, 1, 0, 0}}));
        Dataset data = table.classificationDataset(DataType.DOUBLE);
        assertThat(data.features().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(data.targets().columns()).isEqualTo(4);
    }

    @Test
    void aNumericTargetBecomesATByOneRegressionTarget() throws IOException {
        CsvTable table = LAST.read(write("reg.csv", "x1,x2,y\n1,2,10.25\n3,4,-7.5\n"));

        Dataset data = table.valueDataset(DataType.FLOAT);
        assertThat(data.targets().shape()).containsExactly(2, 1);
        assertThat(data.targets().getFloat(0, 0)).isEqualTo(10.25f);
        assertThat(data.targets().getFloat(1, 0)).isEqualTo(-7.5f);
        assertThat(data.features().shape()).containsExactly(2, 2);
    }

    @Test
    void targetColumnsAreChosenByNameAndTheRestAreFeaturesInFileOrder() throws IOException {
        Path file = write("named.csv", "p,t1,q,t2,r\n1,10,2,20,3\n4,40,5,50,6\n");

        CsvTable table = CsvDatasetReader.targetColumns("t2", "t1").read(file);

        assertThat(table.featureNames()).containsExactly("p", "q", "r");
        assertThat(table.targetNames()).containsExactly("t2", "t1");
        assertThat(table.features(DataType.FLOAT)).isEqualTo(Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
        assertThat(table.targetValues(DataType.FLOAT)).isEqualTo(Nd4j.createFromArray(new float[][] {{20, 10}, {50, 40}}));
        assertThatThrownBy(table::classIds).isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one");
    }

    @Test
    void gzipIsRecognisedByItsMagicBytesWhateverTheName() throws IOException {
        byte[] csv = "a,b,y\n1,2,0\n3,4,1\n".getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("no-gz-suffix.csv");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(csv);
        }

        CsvTable fromFile = LAST.read(file);
        CsvTable plain = LAST.read(new ByteArrayInputStream(csv), "plain");

        assertThat(fromFile.features(DataType.FLOAT)).isEqualTo(plain.features(DataType.FLOAT));
        assertThat(fromFile.targetValues(DataType.FLOAT)).isEqualTo(plain.targetValues(DataType.FLOAT));
        assertThat(fromFile.rows()).isEqualTo(2);
    }

    @Test
    void leavesTheCallersStreamOpen() throws IOException {
        boolean[] closed = {false};
        InputStream in = new FilterInputStream(new ByteArrayInputStream(gzip("a,y\n1,0\n"))) {
            @Override
            public void close() throws IOException {
                closed[0] = true;
                super.close();
            }
        };

        LAST.read(in, "upload");

        assertThat(closed[0]).isFalse();
    }

    @Test
    void skipsBlankLinesAndCountsLinesAcrossCrlfAndQuotedNewlines() throws IOException {
        String csv = "\uFEFFa,b,y\r\n"   // line 1, with a byte-order mark
                + "1,2,0\r\n"            // line 2
                + "\r\n"                 // line 3: blank
                + "\"3\n\",4,1\n"        // lines 4-5: a quoted cell spanning a newline
                + "   \n"                // line 6: blank
                + "5,6,0";               // line 7, no final newline
        CsvTable table = LAST.read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), "mixed");

        assertThat(table.featureNames()).containsExactly("a", "b");
        assertThat(table.rows()).isEqualTo(3);
        assertThat(table.lineNumber(0)).isEqualTo(2);
        assertThat(table.lineNumber(1)).isEqualTo(4);
        assertThat(table.lineNumber(2)).isEqualTo(7);
        assertThat(table.feature(1, 0)).isEqualTo(3f);
    }

    @Test
    void streamsALargeGzippedFileAcrossManyBlocks() throws IOException {
        int rows = 120_000;
        int width = 12;
        Path file = dir.resolve("large.csv.gz");
        try (Writer out = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file), 1 << 16),
                StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < width; c++) {
                line.append(c == 0 ? "" : ",").append("c").append(c);
            }
            out.write(line.append('\n').toString());
            for (int r = 0; r < rows; r++) {
                line.setLength(0);
                for (int c = 0; c < width; c++) {
                    line.append(c == 0 ? "" : ",").append(r * 0.5f + c);
                }
                out.write(line.append('\n').toString());
            }
        }

        CsvTable table = LAST.read(file);

        // 11 features: about 95,000 rows per 4 MB block, so the rows span two blocks
        assertThat(table.rows()).isEqualTo(rows);
        INDArray features = table.features(DataType.FLOAT);
        assertThat(features.shape()).containsExactly(rows, width - 1);
        for (int r : new int[] {0, 1, 95_324, 95_325, rows - 1}) {
            assertThat(features.getFloat(r, 0)).isEqualTo(r * 0.5f);
            assertThat(features.getFloat(r, width - 2)).isEqualTo(r * 0.5f + width - 2);
            assertThat(table.target(r, 0)).isEqualTo(r * 0.5f + width - 1);
            assertThat(table.lineNumber(r)).isEqualTo(r + 2);
        }
    }

    // ---- bad input: each message names the 1-based line and the column ----------------------------------

    @Test
    void raggedRowWithTooFewCellsNamesTheFirstMissingColumn() throws IOException {
        Path file = write("short.csv", "a,b,c,y\n1,2,3,0\n1,2,3,1\n4,5\n");

        assertInvalid(file, LAST, 4, "c", "2 cells but the header has 4 columns: cells from this column on are missing");
    }

    @Test
    void raggedRowWithTooManyCellsNamesTheLastColumn() throws IOException {
        Path file = write("long.csv", "a,b,y\n1,2,0\n1,2,0,9,9\n");

        assertInvalid(file, LAST, 3, "y", "5 cells but the header has 3 columns: 2 cell(s) after this last column");
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "abc      | 'abc' is not a number",
            "1.2.3    | '1.2.3' is not a number",
            "1.5f     | '1.5f' is not a number",
            "0x10     | '0x10' is not a number",
            "--1      | '--1' is not a number",
            "NaN      | 'NaN' is not a finite number",
            "nan      | 'nan' is not a finite number",
            "Infinity | 'Infinity' is not a finite number",
            "-inf     | '-inf' is not a finite number",
            "1e39     | '1e39' is not a finite number: it is beyond the float32 range"})
    void nonNumericAndNonFiniteCellsNameLineAndColumn(String cell, String problem) throws IOException {
        Path file = write("cells.csv", "first,second,y\n1,2,0\n3,4,1\n5," + cell + ",1\n");

        assertInvalid(file, LAST, 4, "second", problem);
    }

    /** Random decimals of every length, scale and notation CSV exports write: each the float32 Float.parseFloat gives. */
    @Test
    void everyCellIsTheNearestFloatAsFloatParseFloatGivesIt() throws IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(16);
        List<String> cells = new java.util.ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            StringBuilder cell = new StringBuilder(random.nextInt(4) == 0 ? "-" : random.nextInt(8) == 0 ? "+" : "");
            int digits = random.nextInt(1, 24);
            for (int d = 0; d < digits; d++) {
                cell.append((char) ('0' + random.nextInt(10)));
            }
            int point = random.nextInt(-1, digits + 1); // -1: no point; 0: ".5"; digits: "5."
            if (point >= 0) {
                cell.insert(cell.length() - digits + point, '.');
            }
            if (random.nextInt(3) == 0) {
                cell.append(random.nextBoolean() ? 'e' : 'E').append(random.nextInt(-50, 40));
            }
            if (Math.abs(Double.parseDouble(cell.toString())) < 3e38) { // past float32's range is an error (tested above)
                cells.add(cell.toString());
            }
        }
        cells.addAll(List.of("-0", "-0.0", "1e-45", "7e-46", "1.17549435e-38", "3.4028235e38", "3.40282356e38", " 2.5 ", "\t7"));
        StringBuilder csv = new StringBuilder("x,y\n");
        cells.forEach(c -> csv.append(c).append(",0\n"));

        CsvTable table = LAST.read(new ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8)), "random");

        assertThat(table.rows()).isEqualTo(cells.size());
        for (int r = 0; r < cells.size(); r++) {
            float expected = Float.parseFloat(cells.get(r));
            if (Float.floatToRawIntBits(table.feature(r, 0)) != Float.floatToRawIntBits(expected)) {
                assertThat(table.feature(r, 0)).as(cells.get(r)).isEqualTo(expected);
            }
        }
    }

    @Test
    void nonNumericTargetCellNamesTheTargetColumn() throws IOException {
        Path file = write("species.csv", "a,species\n1,0\n2,setosa\n");

        assertInvalid(file, LAST, 3, "species", "'setosa' is not a number");
    }

    @Test
    void emptyCellIsAMissingValue() throws IOException {
        Path file = write("missing.csv", "a,b,y\n1,2,0\n1,,0\n");

        assertInvalid(file, LAST, 3, "b", "empty cell");
    }

    @Test
    void emptyFileNeedsAHeader() throws IOException {
        assertInvalid(write("empty.csv", ""), LAST, 1, null, "the file is empty");
        assertInvalid(write("blank.csv", "\n  \n"), LAST, 1, null, "the file is empty");
    }

    @Test
    void headerWithoutDataRows() throws IOException {
        assertInvalid(write("header-only.csv", "a,b,y\n"), LAST, 2, null, "no data rows after the header");
        assertInvalid(write("header-blank.csv", "a,b,y\n\n\n"), LAST, 2, null, "no data rows after the header");
    }

    @Test
    void missingTargetColumnIsNamed() throws IOException {
        Path file = write("iris-like.csv", "sepal,petal,species\n1,2,0\n");

        assertInvalid(file, CsvDatasetReader.targetColumns("label"), 1, "label",
                "no such target column in the header [sepal, petal, species]");
    }

    @Test
    void duplicateHeaderNameIsNamedWithBothPositions() throws IOException {
        Path file = write("dupes.csv", "a,b,a,y\n1,2,3,0\n");

        assertInvalid(file, LAST, 1, "a", "duplicate column name in the header (columns 1 and 3)");
    }

    @Test
    void headerAfterLeadingBlankLinesIsReportedOnItsOwnLine() throws IOException {
        Path file = write("late-header.csv", "\n\nx,x,y\n1,2,0\n");

        assertInvalid(file, LAST, 3, "x", "duplicate column name");
    }

    @Test
    void emptyHeaderNameAndNoFeatureColumnsAreRejected() throws IOException {
        assertInvalid(write("unnamed.csv", "a,,y\n1,2,0\n"), LAST, 1, null, "column 2 of the header has no name");
        assertInvalid(write("target-only.csv", "y\n1\n"), LAST, 1, null, "no feature columns");
    }

    @Test
    void unclosedQuoteIsAnInvalidCsvOnTheLineItStarts() throws IOException {
        Path file = write("quote.csv", "a,y\n1,0\n\"2,1\n3,0\n");

        assertInvalid(file, LAST, 3, null, "EOF reached before encapsulated token finished");
    }

    @ParameterizedTest
    @CsvSource({"-1, -1.0", "1.5, 1.5"})
    void classIdsMustBeNonNegativeIntegers(String id, String shown) throws IOException {
        CsvTable table = LAST.read(write("ids.csv", "x,label\n1,0\n2,1\n3," + id + "\n4,2\n"));

        assertThat(table.valueDataset(DataType.FLOAT).size()).isEqualTo(4); // fine as regression values
        InvalidCsvException e = catchInvalid(table::classIds);
        assertThat(e.lineNumber()).isEqualTo(4);
        assertThat(e.columnName()).isEqualTo("label");
        assertThat(e).hasMessage("ids.csv: line 4, column 'label': '" + shown + "' is not a class id (class ids are integers >= 0)");
        assertThatThrownBy(() -> table.oneHotTargets(DataType.FLOAT)).isInstanceOf(InvalidCsvException.class);
    }

    @Test
    void targetNamedTwiceIsAProgrammingError() {
        assertThatThrownBy(() -> CsvDatasetReader.targetColumns("y", "y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CsvDatasetReader.targetColumns()).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- limits for uploads ----------------------------------------------------------------------------------

    @Test
    void aHeaderOfExactlyTheColumnLimitPassesAndOneMoreColumnIsNamed() throws IOException {
        CsvDatasetReader three = LAST.withMaxColumns(3, "the.setting");

        assertThat(three.read(write("three.csv", "a,b,y\n1,2,0\n")).rows()).isEqualTo(1);
        InvalidCsvException e = catchInvalid(() -> three.read(write("four.csv", "a,b,c,y\n1,2,3,0\n")));
        assertThat(e.lineNumber()).isEqualTo(1);
        assertThat(e.columnName()).isEqualTo("y");
        assertThat(e).hasMessage("four.csv: line 1, column 'y': the header has 4 columns; at most 3 are allowed (the.setting): this is column 4");
    }

    @Test
    void anEndlessLineStopsEarlyInsteadOfFillingTheHeap() throws IOException {
        CsvDatasetReader two = LAST.withMaxColumns(2, "the.setting");
        long[] served = {0};
        // an endless first line of "1" cells: the header would never end
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served[0]++;
                return served[0] % 2 == 0 ? ',' : '1';
            }
        };

        InvalidCsvException e = catchInvalid(() -> two.read(endless, "endless"));

        assertThat(e.lineNumber()).isEqualTo(1);
        assertThat(e.getMessage()).contains("the row is longer than 128 characters (64 per column the column limit of 2 allows, the.setting)");
        assertThat(served[0]).isLessThan(4 * 65_536); // stopped within a few buffers
        // a row as long as the limit allows (a long quoted cell is one cell) still passes
        String cell = "1." + "0".repeat(60);
        assertThat(two.read(write("long-cells.csv", "a,y\n" + cell + "," + cell + "\n")).rows()).isEqualTo(1);
    }

    @Test
    void theByteLimitCountsTheCsvAfterDecompressionAndPassesAtItsEdge() throws IOException {
        String csv = "a,y\n1,0\n2,1\n";
        assertThat(csv).hasSize(12);
        assertThat(LAST.withMaxBytes(12, "max").read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), "edge").rows())
                .isEqualTo(2);
        assertThatThrownBy(() -> LAST.withMaxBytes(11, "max").read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), "over"))
                .isInstanceOf(DatasetTooLargeException.class)
                .hasMessage("over: the CSV is larger than 11 bytes (max); a gzip-compressed upload counts with its decompressed size");

        String big = "a,y\n" + "1,0\n".repeat(100_000); // 400 KB of CSV, a few KB compressed
        byte[] compressed = gzip(big);
        assertThat(compressed.length).isLessThan(10_000);
        assertThatThrownBy(() -> LAST.withMaxBytes(100_000, null).read(new ByteArrayInputStream(compressed), "bomb"))
                .isInstanceOf(DatasetTooLargeException.class);
        assertThat(LAST.withMaxBytes(big.length(), null).read(new ByteArrayInputStream(compressed), "fits").rows()).isEqualTo(100_000);
    }

    @Test
    void theGzipRatioLimitRefusesABombAtItsEdgeAndLeavesSmallFilesAlone() throws IOException {
        String csv = "a,y\n" + "1,0\n".repeat(400_000); // 1.6 MB of CSV, past the 1 MiB from which the ratio counts
        byte[] compressed = gzip(csv);
        assertThat(compressed.length).isLessThan(1 << 16); // read by the inflater at once, so the ratio is the file's
        int edge = (int) -Math.floorDiv(-(long) csv.length(), compressed.length); // the least ratio the file passes

        assertThat(LAST.withMaxGzipRatio(edge, "ratio").read(new ByteArrayInputStream(compressed), "edge").rows()).isEqualTo(400_000);
        assertThatThrownBy(() -> LAST.withMaxGzipRatio(edge - 1, "ratio").read(new ByteArrayInputStream(compressed), "bomb"))
                .isInstanceOf(DatasetTooLargeException.class)
                .hasMessageStartingWith("bomb: the gzip-compressed upload inflates more than " + (edge - 1) + " times (ratio): ")
                .hasMessageContaining("bytes of CSV from the first " + compressed.length + " compressed bytes");
        // a plain CSV is never counted against the ratio
        assertThat(LAST.withMaxGzipRatio(1, "ratio").read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), "plain")
                .rows()).isEqualTo(400_000);
        // below 1 MiB of CSV a file may inflate as far as it likes
        String small = "a,y\n" + "1,0\n".repeat(200_000);
        assertThat(LAST.withMaxGzipRatio(2, "ratio").read(new ByteArrayInputStream(gzip(small)), "small").rows()).isEqualTo(200_000);
    }

    @Test
    void streamHandsEachRowWithItsLineToTheSink() throws IOException {
        List<String> seen = new java.util.ArrayList<>();
        CsvRowSink sink = new CsvRowSink() {
            @Override
            public void columns(List<String> featureNames, List<String> targetNames) {
                seen.add(featureNames + " -> " + targetNames);
            }

            @Override
            public void row(float[] features, float[] targets, long line) {
                seen.add(line + ": " + java.util.Arrays.toString(features) + " " + java.util.Arrays.toString(targets));
            }
        };

        long rows = CsvDatasetReader.targetColumns(List.of("t")).stream(
                new ByteArrayInputStream("t,a,b\n1,2,3\n\n4,5,6\n".getBytes(StandardCharsets.UTF_8)), "s", sink);

        assertThat(rows).isEqualTo(2);
        assertThat(seen).containsExactly("[a, b] -> [t]", "2: [2.0, 3.0] [1.0]", "4: [5.0, 6.0] [4.0]");
    }

    // ---- the real datasets of datasets/ ---------------------------------------------------------------------

    @Test
    void readsIris() throws IOException {
        CsvTable iris = LAST.read(TestDatasets.file("iris/iris.csv"));

        assertThat(iris.rows()).isEqualTo(150);
        assertThat(iris.featureNames()).containsExactly("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm");
        assertThat(iris.targetNames()).containsExactly("species");
        assertThat(iris.classCount()).isEqualTo(3);
        assertThat(classCounts(iris.classIds(), 3)).containsExactly(50, 50, 50);
        assertThat(iris.features(DataType.FLOAT).getRow(0).toFloatVector()).containsExactly(5.1f, 3.5f, 1.4f, 0.2f);
    }

    @Test
    void readsBreastCancer() throws IOException {
        CsvTable cancer = LAST.read(TestDatasets.file("breast_cancer/breast_cancer.csv"));

        assertThat(cancer.rows()).isEqualTo(569);
        assertThat(cancer.featureNames()).hasSize(30).startsWith("mean_radius").endsWith("worst_fractal_dimension");
        assertThat(cancer.targetNames()).containsExactly("benign");
        assertThat(classCounts(cancer.classIds(), 2)).containsExactly(212, 357);
        assertThat(cancer.feature(0, 3)).isEqualTo(1001f); // mean_area of the first row
        assertThat(cancer.features(DataType.FLOAT).maxNumber().doubleValue()).isCloseTo(4254, within(1.0));
    }

    @Test
    void readsConcrete() throws IOException {
        CsvTable concrete = LAST.read(TestDatasets.file("concrete/concrete.csv"));

        assertThat(concrete.rows()).isEqualTo(1030);
        assertThat(concrete.featureNames()).containsExactly("cement", "blast_furnace_slag", "fly_ash", "water",
                "superplasticizer", "coarse_aggregate", "fine_aggregate", "age");
        INDArray strength = concrete.targetValues(DataType.DOUBLE);
        assertThat(strength.shape()).containsExactly(1030, 1);
        assertThat(strength.minNumber().doubleValue()).isCloseTo(2.33, within(1e-5));
        assertThat(strength.maxNumber().doubleValue()).isCloseTo(82.6, within(1e-5));
        assertThat(concrete.target(0, 0)).isEqualTo(79.99f);
    }

    @Test
    void readsEveryOtherRealCsv() throws IOException {
        record Expected(String file, int rows, int features) {
        }
        for (Expected e : List.of(new Expected("wine/wine.csv", 178, 13), new Expected("digits8x8/digits8x8.csv", 1797, 64),
                new Expected("diabetes/diabetes.csv", 442, 10))) {
            CsvTable table = LAST.read(TestDatasets.file(e.file()));
            assertThat(table.rows()).as(e.file()).isEqualTo(e.rows());
            assertThat(table.featureNames()).as(e.file()).hasSize(e.features());
        }
    }

    // ---- support ----------------------------------------------------------------------------------------------

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static byte[] gzip(String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static void assertInvalid(Path file, CsvDatasetReader reader, int line, String column, String problem) {
        InvalidCsvException e = catchInvalid(() -> reader.read(file));
        assertThat(e.lineNumber()).as("line of: %s", e.getMessage()).isEqualTo(line);
        assertThat(e.columnName()).as("column of: %s", e.getMessage()).isEqualTo(column);
        String where = file.getFileName() + ": line " + line + (column == null ? "" : ", column '" + column + "'") + ": ";
        assertThat(e.getMessage()).startsWith(where).contains(problem);
    }

    private static InvalidCsvException catchInvalid(ThrowingCallable call) {
        InvalidCsvException e = catchThrowableOfType(InvalidCsvException.class, call);
        assertThat(e).as("an InvalidCsvException").isNotNull();
        return e;
    }

    static int[] classCounts(int[] ids, int classes) {
        int[] counts = new int[classes];
        for (int id : ids) {
            counts[id]++;
        }
        return counts;
    }
}
