import com.sun.management.ThreadMXBean;
import dev.chainrule.api.prediction.PredictRequest;
import dev.chainrule.api.prediction.PredictRequestJson;
import dev.chainrule.api.prediction.PredictResponse;
import dev.chainrule.api.rows.InstanceRows;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.Predictor;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.Task;
import dev.chainrule.engine.model.TrainedModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The steps of one POST /models/{id}/predict, timed one at a time on one thread, with the service's own classes
 * (started by bench/http/micro.sh with the Spring Boot jar's BOOT-INF on the class path): Jackson into
 * PredictRequest (rows straight into float32, InstanceRows), the compute as PredictionService does it (the engine's
 * Predictor, the class its replicas are: one row takes the sparse first layer and the layers after it; more, float32
 * standardisation into the reused input and the layers; then one bulk copy out), the response objects and Jackson's
 * write.
 *
 * <p>Arguments: the folder with predict-1.json and predict-128.json (the request bodies of the HTTP benchmark),
 * then optionally the milliseconds per timed round (default 300) and the number of rounds (default 7).
 * Prints a Markdown table: median (min) microseconds per call, Java heap bytes and ND4J native objects per call.
 */
public class PredictPathMicro {
    static final int WIDTH = 784;
    /** As the service's (ServiceConfiguration): floats written by Jackson's Schubfach writer. */
    static final JsonMapper JSON = JsonMapper.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    static volatile Object sink;
    static long roundMillis = 300;
    static int rounds = 7;

    public static void main(String[] args) throws Exception {
        Path bodies = Path.of(args[0]);
        if (args.length > 1) {
            roundMillis = Long.parseLong(args[1]);
        }
        if (args.length > 2) {
            rounds = Integer.parseInt(args[2]);
        }
        ComputeThreads.configure(1, 1); // the service's default on 2 cores: 1 OpenMP thread, cores / 2 workers BLAS
        NetworkDefinition definition = new NetworkDefinition(WIDTH, List.of(new LayerSpec(256, Activation.RELU),
                new LayerSpec(128, Activation.RELU), new LayerSpec(10, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY,
                WeightInitialiser.XAVIER);
        byte[] body128 = Files.readAllBytes(bodies.resolve("predict-128.json"));
        InstanceRows fit = JSON.readValue(body128, PredictRequest.class).instances();
        Standardiser standardiser = Standardiser.fit(Nd4j.create(Arrays.copyOf(fit.values(), fit.count()),
                new long[] {fit.rows(), WIDTH}, 'c'));
        Network network = Network.initialised(definition, 42);
        Predictor predictor = Predictor.of(new TrainedModel(network, standardiser)); // what PredictionService pools

        System.out.println("| rows | step | what | us/call median (min) | heap bytes/call | ND4J native objects/call |");
        System.out.println("|---|---|---|---|---|---|");
        for (String name : new String[] {"predict-1.json", "predict-128.json"}) {
            byte[] body = Files.readAllBytes(bodies.resolve(name));
            InstanceRows parsed = JSON.readValue(body, PredictRequest.class).instances();
            int n = parsed.rows();
            Supplier<float[]> compute = () -> predictor.predict(parsed.values(), n);
            // the same numbers as the engine's own path (TrainedModel.predict) before anything is timed
            float[] expected = new TrainedModel(network.copy(), standardiser)
                    .predict(Nd4j.create(Arrays.copyOf(parsed.values(), parsed.count()), new long[] {n, WIDTH}, 'c'))
                    .data().asFloat();
            float[] computed = compute.get();
            for (int k = 0; k < expected.length; k++) { // the sparse single-row path sums in another order
                check(Math.abs(computed[k] - expected[k]) <= 1e-5 * Math.abs(expected[k]) + 1e-9,
                        "the compute differs from TrainedModel.predict");
            }
            float[] outputs = compute.get();
            PredictResponse response = response(toRows(outputs, n));
            INDArray batch = Nd4j.create(Arrays.copyOf(parsed.values(), parsed.count()), new long[] {n, WIDTH}, 'c');

            String r = String.valueOf(n);
            time(r, "JSON -> request", "Jackson into PredictRequest (InstanceRows: tokens straight into one float[]); "
                    + "the service's way for bodies not of the plain shape", () -> JSON.readValue(body, PredictRequest.class));
            check(PredictRequestJson.read(body) != null, "the plain-shape reader declined the body");
            time(r, "JSON -> request", "PredictRequestJson (the plain shape in one pass; the service's way for these bodies)",
                    () -> PredictRequestJson.read(body));
            time(r, "compute", n == 1 ? "Predictor.predict: SparseRowForward (the digit's nonzero inputs) + the layers after it + bulk copy out"
                    : "Predictor.predict: standardise (float32) into the input buffer + the layers + bulk copy out", compute::get);
            time(r, "", "info: Network.forward alone", () -> network.forward(batch));
            time(r, "outputs -> response", "rows split, PredictResponse objects", () -> response(toRows(outputs, n)));
            time(r, "response -> JSON", "Jackson writes PredictResponse", () -> JSON.writeValueAsBytes(response));
            time(r, "whole path (no HTTP)", "PredictRequestJson, compute, response, Jackson's write", () -> {
                InstanceRows in = PredictRequestJson.read(body).instances();
                check(in.rows() == n, "rows");
                return JSON.writeValueAsBytes(response(toRows(compute.get(), n))).length;
            });
        }
        System.out.println();
        System.out.println("Rounds: " + rounds + " x ~" + roundMillis + " ms per step after a warm-up of the same length; "
                + "one thread; ND4J OpenMP 1 thread, OpenBLAS 1 thread (the service's default on 2 cores). On a busy "
                + "machine read the min: it is the round least disturbed by other processes. Heap bytes: this thread's "
                + "Java allocations (ThreadMXBean); ND4J native objects: ids drawn from ND4J's DeallocatorService "
                + "(native buffers and op contexts).");
    }

    static float[][] toRows(float[] values, int rows) {
        int k = values.length / rows;
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(values, r * k, (r + 1) * k);
        }
        return out;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("prototype check failed: " + what);
        }
    }

    // ------------------------------------------------------------------------------------------ "now" (service code)


    static PredictResponse response(float[][] outputs) {
        List<PredictResponse.Prediction> list = new ArrayList<>(outputs.length);
        for (float[] row : outputs) {
            list.add(new PredictResponse.Prediction(row, Task.CLASSIFICATION.classIndex(row, 0, row.length), row, null, null));
        }
        return new PredictResponse("model", 1, null, Task.CLASSIFICATION.jsonName(), list);
    }

    // ------------------------------------------------------------------------------------------ prototypes

    // ------------------------------------------------------------------------------------------ timing

    /**
     * ND4J 1.0.0-M2.1 draws an id from its DeallocatorService for every native object it creates (data buffers,
     * shape buffers, op contexts); each is tracked by a weak and a phantom reference the GC has to process.
     */
    static final java.util.concurrent.atomic.AtomicLong ND4J_IDS = nd4jIdCounter();

    static java.util.concurrent.atomic.AtomicLong nd4jIdCounter() {
        try {
            Object service = Nd4j.getDeallocatorService();
            java.lang.reflect.Field field = service.getClass().getDeclaredField("counter");
            field.setAccessible(true);
            return (java.util.concurrent.atomic.AtomicLong) field.get(service);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    static long nd4jObjects() {
        return ND4J_IDS == null ? 0 : ND4J_IDS.get();
    }

    static void time(String rowCount, String step, String variant, Supplier<Object> call) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long calls = 1;
        long warmEnd = System.nanoTime() + roundMillis * 1_000_000;
        long done = 0;
        long start = System.nanoTime();
        while (System.nanoTime() < warmEnd) {
            sink = call.get();
            done++;
        }
        calls = Math.max(1, done * roundMillis * 1_000_000 / Math.max(1, System.nanoTime() - start));
        double[] us = new double[rounds];
        double[] bytes = new double[rounds];
        double[] objects = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            long nd4j = nd4jObjects();
            long allocated = threads.getThreadAllocatedBytes(id);
            long t0 = System.nanoTime();
            for (long i = 0; i < calls; i++) {
                sink = call.get();
            }
            long t1 = System.nanoTime();
            us[round] = (t1 - t0) / 1000.0 / calls;
            bytes[round] = (threads.getThreadAllocatedBytes(id) - allocated) / (double) calls;
            objects[round] = (nd4jObjects() - nd4j) / (double) calls;
        }
        Arrays.sort(us);
        Arrays.sort(bytes);
        Arrays.sort(objects);
        String line = String.format("| %s | %s | %s | %.1f (%.1f) | %,.0f | %s |", rowCount, step, variant, us[rounds / 2],
                us[0], bytes[rounds / 2], ND4J_IDS == null ? "n/a" : String.format("%.1f", objects[rounds / 2]));
        System.out.println(line);
        System.out.flush();
    }
}
