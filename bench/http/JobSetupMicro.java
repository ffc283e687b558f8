import dev.chainrule.dataset.DatasetFile;
import dev.chainrule.dataset.DatasetFileWriter;
import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.training.Dataset;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training job's setup steps in process, without HTTP or database: read an MNIST-shaped dataset file (60000 x 784
 * pixels 0-255 and a class id) as the job does, fit the standardisation, standardise; wall and CPU milliseconds of
 * each, ROUNDS times in one JVM. Runs against a packaged jar's classes, so two builds compare side by side:
 *
 * <pre>
 * mkdir /tmp/jar && (cd /tmp/jar && unzip -q "$OLDPWD"/target/chainrule-*-SNAPSHOT.jar)
 * java -Xmx2g -cp "/tmp/jar/BOOT-INF/classes:/tmp/jar/BOOT-INF/lib/*" bench/http/JobSetupMicro.java \
 *     /tmp/mnist.crds 5 datasets/mnist
 * </pre>
 * The dataset file is written from MNIST's IDX files the first time (DatasetFileWriter, as an upload would). A build
 * without Standardiser.applyInPlace standardises into a new array (the job's way before it).
 */
public class JobSetupMicro {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        if (!Files.exists(file)) {
            write(file, Path.of(args[2]));
        }
        Method inPlace = null;
        try {
            inPlace = Standardiser.class.getMethod("applyInPlace", INDArray.class);
        } catch (NoSuchMethodException e) {
            // an earlier build: apply into a new array
        }
        for (int round = 0; round < rounds; round++) {
            long[] t = {System.nanoTime(), cpu()};
            Dataset rows = DatasetFile.open(file).load(new TargetEncoding(LossKind.CROSS_ENTROPY, 10), new DatasetFile.Problems() {
                @Override
                public void add(String where, String reason) {
                    throw new IllegalStateException(where + ": " + reason);
                }

                @Override
                public boolean isFull() {
                    return false;
                }
            });
            String read = since(t);
            Standardiser standardiser = Standardiser.fit(rows.features());
            String fit = since(t);
            INDArray z = inPlace != null ? (INDArray) inPlace.invoke(standardiser, rows.features()) : standardiser.apply(rows.features());
            String standardise = since(t);
            System.out.printf("%s round %d: read %s, fit %s, standardise %s (check value %.6f)%n",
                    inPlace != null ? "in place" : "new array", round, read, fit, standardise, z.getFloat(1000, 400));
        }
        System.out.printf("load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** "N ms (cpu M)" since the marks, which move to now. */
    private static String since(long[] t) {
        long wall = System.nanoTime();
        long cpu = cpu();
        String out = (wall - t[0]) / 1_000_000 + " ms (cpu " + (cpu - t[1]) / 1_000_000 + ")";
        t[0] = wall;
        t[1] = cpu;
        return out;
    }

    private static long cpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static void write(Path file, Path mnist) throws Exception {
        Dataset images = MnistIdxReader.read(mnist.resolve("train-images-idx3-ubyte.gz"),
                mnist.resolve("train-labels-idx1-ubyte.gz"), DataType.FLOAT);
        INDArray x = images.features();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < x.columns(); i++) {
            names.add("p" + i);
        }
        try (DatasetFileWriter out = new DatasetFileWriter(file)) {
            out.columns(names, List.of("label"));
            float[] row = new float[(int) x.columns()];
            for (int r = 0; r < x.rows(); r++) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = Math.round(x.getFloat(r, j) * 255f); // the pixels as a CSV upload stores them
                }
                out.row(row, new float[] {images.targets().getRow(r).argMax().getInt(0)}, r + 2);
            }
            out.finish();
        }
    }
}
