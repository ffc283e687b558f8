package dev.chainrule.bench.micro;

import dev.chainrule.dataset.DatasetFile;
import dev.chainrule.dataset.DatasetFileWriter;
import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A training job's setup steps on a stored dataset, with the calls JobRunner makes (its phases read, statistics,
 * standardise), without HTTP or database: {@code read} is DatasetFile.open(file).load(encoding, problems, null), as
 * JobData reads a job's rows; {@code statistics} is Standardiser.fit on them; {@code standardise} is
 * Standardiser.applyInPlace on a fresh copy of the raw rows (made outside the timing); {@code wholeSetup} is the
 * three in a row. The dataset file is MNIST's training set as an upload stores it (pixels 0-255, the class id;
 * {@code datasetRows} of them, 60000 by default), written once per fork by DatasetFileWriter into a temporary folder.
 * The profilers count a whole iteration, so {@code standardise}'s heap bytes and ND4J objects per op include its
 * untimed copy's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JobSetupMicro {
    private static final TargetEncoding ENCODING = new TargetEncoding(LossKind.CROSS_ENTROPY, MnistIdxReader.CLASSES);

    @Param({"60000"})
    public int datasetRows;

    private Path folder;
    private Path file;
    private Dataset raw;
    private Standardiser standardiser;
    /** The rows the last op read, freed after it (188 MB of native memory each at 60000 rows). */
    private Dataset last;

    @Setup
    public void setUp() throws IOException {
        folder = Files.createTempDirectory("chainrule-job-setup-micro");
        file = folder.resolve("mnist.crds");
        write(Mnist.training(datasetRows), MnistIdxReader.readLabels(Mnist.dir().resolve("train-labels-idx1-ubyte.gz")), file);
        raw = read();
        last = null; // the raw rows stay for the other ops
        standardiser = Standardiser.fit(raw.features());
        if (raw.size() != datasetRows || raw.features().columns() != 784) {
            throw new IllegalStateException("read " + raw.size() + " x " + raw.features().columns() + " back");
        }
    }

    /** A copy of the raw rows made before each standardise op, outside its timing. */
    @State(Scope.Thread)
    public static class FreshRows {
        INDArray work;

        @Setup(Level.Invocation)
        public void copy(JobSetupMicro bench) {
            if (work == null) {
                work = bench.raw.features().dup();
            } else {
                work.assign(bench.raw.features());
            }
        }
    }

    @TearDown(Level.Invocation)
    public void freeRead() {
        if (last != null) {
            free(last.features());
            free(last.targets());
            last = null;
        }
    }

    @TearDown
    public void removeFile() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(folder);
    }

    @Benchmark
    public Dataset read() throws IOException {
        Dataset[] parts = DatasetFile.open(file).load(ENCODING, new FailOnProblem(), null);
        last = parts[0];
        return last;
    }

    @Benchmark
    public Standardiser statistics() {
        return Standardiser.fit(raw.features());
    }

    @Benchmark
    public INDArray standardise(FreshRows rows) {
        return standardiser.applyInPlace(rows.work);
    }

    @Benchmark
    public INDArray wholeSetup() throws IOException {
        Dataset rows = read();
        return Standardiser.fit(rows.features()).applyInPlace(rows.features());
    }

    /** MNIST's rows as a CSV upload stores them: pixels 0-255 as float32, the class id as the target. */
    private static void write(Dataset mnist, int[] labels, Path file) throws IOException {
        float[] pixels = mnist.features().data().asFloat();
        int width = (int) mnist.features().columns();
        List<String> names = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            names.add("p" + i);
        }
        try (DatasetFileWriter out = new DatasetFileWriter(file)) {
            out.columns(names, List.of("label"));
            float[] row = new float[width];
            for (int r = 0; r < mnist.size(); r++) {
                for (int j = 0; j < width; j++) {
                    row[j] = Math.round(pixels[r * width + j] * 255);
                }
                out.row(row, new float[] {labels[r]}, r + 2);
            }
            out.finish();
        }
    }

    private static void free(INDArray array) {
        if (array.closeable()) {
            array.close();
        }
    }

    /** MNIST fits the model: any problem with its targets stops the benchmark. */
    private static final class FailOnProblem implements DatasetFile.Problems {
        @Override
        public void add(String where, String reason) {
            throw new UncheckedIOException(new IOException(where + ": " + reason));
        }

        @Override
        public boolean isFull() {
            return false;
        }
    }
}
