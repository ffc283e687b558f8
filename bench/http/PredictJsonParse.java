import dev.chainrule.api.prediction.PredictRequestJson;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One step of the predict path alone: PredictRequestJson reading a request body (e.g. bench/http/micro.sh's
 * 128-row MNIST body) into float32 rows, timed in rounds of a fixed duration after a warm-up. Prints each round's
 * microseconds per body (wall and the thread's CPU time, which a busy shared machine disturbs less), then the
 * medians.
 *
 *   java -cp 'classes:lib/*' bench/http/PredictJsonParse.java predict-128.json [ROUND_MS=500 [ROUNDS=9]]
 */
public class PredictJsonParse {
    public static void main(String[] args) throws Exception {
        byte[] body = Files.readAllBytes(Path.of(args[0]));
        long roundNanos = (args.length > 1 ? Long.parseLong(args[1]) : 500) * 1_000_000L;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 9;
        if (PredictRequestJson.read(body) == null) {
            throw new IllegalStateException("the plain-shape reader declined the body");
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (long end = System.nanoTime() + 3 * roundNanos; System.nanoTime() < end; ) {
            sink += PredictRequestJson.read(body).instances().rows();
        }
        double[] wall = new double[rounds];
        double[] cpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            long cpuStart = threads.getCurrentThreadCpuTime();
            long n = 0;
            while (System.nanoTime() - start < roundNanos) {
                sink += PredictRequestJson.read(body).instances().rows();
                n++;
            }
            wall[r] = (System.nanoTime() - start) / 1e3 / n;
            cpu[r] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e3 / n;
            System.out.printf("round %d: %.1f us wall, %.1f us cpu per body (%d bodies)%n", r + 1, wall[r], cpu[r], n);
        }
        System.out.printf("body_bytes=%d%nmedian_us=%.1f%nmedian_cpu_us=%.1f%n(sink %d)%n", body.length, median(wall), median(cpu), sink);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
