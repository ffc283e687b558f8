import dev.chainrule.dataset.CsvDatasetReader;
import dev.chainrule.dataset.DatasetFileWriter;
import dev.chainrule.dataset.DatasetSummary;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The upload path's parse alone, in process: streams one CSV through CsvDatasetReader -> DatasetFileWriter (as
 * POST /datasets does, with the service's default limits) a number of rounds and prints each round's wall and
 * CPU seconds (the parsing thread's own CPU time, which a busy shared machine disturbs less than the wall time),
 * then their medians. Run by bench/dataset/csv_speed.sh against the packaged jar's classes.
 *
 *   java -cp 'app.jar:lib/*' bench/dataset/ParseSpeed.java data.csv out.bin ROUNDS
 */
public class ParseSpeed {
    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        CsvDatasetReader reader = CsvDatasetReader.lastColumnAsTarget()
                .withMaxColumns(10_000, "chainrule.limits.max-dataset-columns")
                .withMaxBytes(1L << 30, "chainrule.limits.max-dataset-size");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] seconds = new double[rounds];
        double[] cpu = new double[rounds];
        long rows = 0;
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            long cpuStart = threads.getCurrentThreadCpuTime();
            try (InputStream in = Files.newInputStream(csv)) {
                DatasetSummary summary = DatasetFileWriter.fromCsv(reader, in, csv.getFileName().toString(), out);
                rows = summary.rows();
            }
            seconds[r] = (System.nanoTime() - start) / 1e9;
            cpu[r] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            System.out.printf("round %d: %.3f s wall, %.3f s cpu%n", r + 1, seconds[r], cpu[r]);
            Files.deleteIfExists(out);
        }
        System.out.printf("rows=%d%nmedian_s=%.3f%nmedian_cpu_s=%.3f%n", rows, median(seconds), median(cpu));
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
