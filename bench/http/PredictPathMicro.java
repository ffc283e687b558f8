import com.sun.management.ThreadMXBean;
import dev.chainrule.api.PredictRequest;
import dev.chainrule.api.PredictResponse;
import dev.chainrule.engine.ComputeThreads;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The steps of one POST /models/{id}/predict, timed one at a time on one thread, as the service runs them now
 * and as proposed (prototypes here only; src/ is untouched). Started by bench/http/micro.sh with the service's
 * own classes and dependencies on the class path (the Spring Boot jar's BOOT-INF), so "now" calls the service's
 * code: Jackson into PredictRequest, FeatureRows.toMatrix (by reflection: package-private), TrainedModel.predict,
 * INDArray.toFloatMatrix, TrainedModel.hashCode (what PredictionService's WeakHashMap computes per request).
 *
 * <p>Arguments: the folder with predict-1.json and predict-128.json (the request bodies of the HTTP benchmark),
 * then optionally the milliseconds per timed round (default 300) and the number of rounds (default 7).
 * Prints a Markdown table: median (min) microseconds per call and Java heap bytes allocated per call
 * (ThreadMXBean; ND4J's native buffers are not in it).
 */
public class PredictPathMicro {
    static final int WIDTH = 784;
    static final JsonMapper JSON = JsonMapper.builder().build();
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
        double[][] fit = JSON.readValue(body128, PredictRequest.class).instances();
        Standardiser standardiser = Standardiser.fit(toMatrixNow(fit));
        TrainedModel master = new TrainedModel(Network.initialised(definition, 42), standardiser);
        TrainedModel copy = new TrainedModel(master.network().copy(), master.standardiser());
        // proposed standardisation: float32 mean and 1 / std computed once per version, applied in place
        INDArray meanF = standardiser.mean().castTo(DataType.FLOAT);
        INDArray invStdF = standardiser.std().rdiv(1.0).castTo(DataType.FLOAT);

        System.out.println("| rows | step | variant | us/call median (min) | heap bytes/call | ND4J native objects/call |");
        System.out.println("|---|---|---|---|---|---|");
        for (String name : new String[] {"predict-1.json", "predict-128.json"}) {
            byte[] body = Files.readAllBytes(bodies.resolve(name));
            double[][] parsed = JSON.readValue(body, PredictRequest.class).instances();
            int n = parsed.length;
            float[] flat = parseToFloats(body);
            check(Arrays.equals(flat, flatten(parsed)), "streaming parse differs from Jackson + cast");
            INDArray x = toMatrixNow(parsed);
            INDArray xProposed = toMatrixProposed(flat, n);
            check(x.equals(xProposed), "bulk copy differs from Nd4j.create");
            INDArray outNow = copy.predict(x);
            INDArray outProposed = predictProposed(copy.network(), toMatrixProposed(flat, n), meanF, invStdF);
            check(outNow.equalsWithEps(outProposed, 1e-5), "in-place standardisation differs");
            float[][] matrixNow = outNow.toFloatMatrix();
            check(Arrays.deepEquals(matrixNow, toRows(outNow)), "flat copy differs from toFloatMatrix");
            PredictResponse response = response(matrixNow);

            String r = String.valueOf(n);
            time(r, "JSON -> request", "now: Jackson databind into PredictRequest (double[][])",
                    () -> JSON.readValue(body, PredictRequest.class));
            time(r, "", "proposed: Jackson streaming tokens straight into one float[] (getDoubleValue, cast)",
                    () -> parseToFloats(body));
            time(r, "request -> INDArray", "now: FeatureRows.toMatrix (double[][] -> float[] -> Nd4j.create)",
                    () -> toMatrixNow(parsed));
            time(r, "", "proposed: Nd4j.create(FLOAT, n, 784) + FloatPointer.put(float[]) (one bulk copy)",
                    () -> toMatrixProposed(flat, n));
            time(r, "pool lookup", "now: TrainedModel.hashCode() (record: Standardiser's INDArray.hashCode = native HashCode op x2)",
                    master::hashCode);
            time(r, "", "proposed: identity (System.identityHashCode)", () -> System.identityHashCode(master));
            time(r, "compute", "now: TrainedModel.predict (castTo, subRowVector + diviRowVector with per-call castTo of "
                    + "mean/std, forward, dup)", () -> copy.predict(x));
            time(r, "", "info: Network.predict alone (forward + dup, no standardisation)",
                    () -> copy.network().predict(x));
            time(r, "", "info: Network.forward alone (no copy)", () -> copy.network().forward(x));
            time(r, "", "proposed: float32 mean / (1/std) kept per version, subiRowVector + muliRowVector in place, "
                    + "forward, no dup (includes re-filling the input: one bulk copy)",
                    () -> predictProposed(copy.network(), refill(xProposed, flat), meanF, invStdF));
            time(r, "outputs -> Java", "now: INDArray.toFloatMatrix (getRow(i).dup() per row)", outNow::toFloatMatrix);
            time(r, "", "proposed: data().asFloat() once, rows split in Java", () -> toRows(outNow));
            time(r, "response -> JSON", "now: Jackson writes PredictResponse", () -> JSON.writeValueAsBytes(response));
            time(r, "whole path (no HTTP)", "now: parse, toMatrix, hashCode, predict, toFloatMatrix, write", () -> {
                double[][] in = JSON.readValue(body, PredictRequest.class).instances();
                INDArray m = toMatrixNow(in);
                int h = master.hashCode();
                float[][] out = copy.predict(m).toFloatMatrix();
                return JSON.writeValueAsBytes(response(out)).length + h;
            });
            time(r, "", "proposed: streaming parse, bulk copy, identity, in-place standardise, forward, flat copy, write",
                    () -> {
                        float[] in = parseToFloats(body);
                        INDArray m = toMatrixProposed(in, in.length / WIDTH);
                        int h = System.identityHashCode(master);
                        float[][] out = toRows(predictProposed(copy.network(), m, meanF, invStdF));
                        return JSON.writeValueAsBytes(response(out)).length + h;
                    });
        }
        System.out.println();
        System.out.println("Rounds: " + rounds + " x ~" + roundMillis + " ms per variant after a warm-up of the same length; "
                + "one thread; ND4J OpenMP 1 thread, OpenBLAS 1 thread (the service's default on 2 cores). On a busy "
                + "machine read the min: it is the round least disturbed by other processes. Heap bytes: this thread's "
                + "Java allocations (ThreadMXBean); ND4J native objects: ids drawn from ND4J's DeallocatorService "
                + "(native buffers and op contexts), each tracked by a weak and a phantom reference.");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("prototype check failed: " + what);
        }
    }

    // ------------------------------------------------------------------------------------------ "now" (service code)

    static Method featureRows;
    static Constructor<?> fieldErrors;

    static INDArray toMatrixNow(double[][] rows) {
        try {
            if (featureRows == null) {
                Class<?> errors = Class.forName("dev.chainrule.api.FieldErrors");
                fieldErrors = errors.getDeclaredConstructor();
                fieldErrors.setAccessible(true);
                featureRows = Class.forName("dev.chainrule.api.FeatureRows").getDeclaredMethod("toMatrix",
                        double[][].class, int.class, String.class, int.class, String.class, errors);
                featureRows.setAccessible(true);
            }
            return (INDArray) featureRows.invoke(null, rows, WIDTH, "instances", 10000, "limit", fieldErrors.newInstance());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static PredictResponse response(float[][] outputs) {
        List<PredictResponse.Prediction> list = new ArrayList<>(outputs.length);
        for (float[] row : outputs) {
            int best = 0;
            for (int i = 1; i < row.length; i++) {
                if (row[i] > row[best]) {
                    best = i;
                }
            }
            list.add(new PredictResponse.Prediction(row, best, row, null, null));
        }
        return new PredictResponse("model", 1, "classification", list);
    }

    // ------------------------------------------------------------------------------------------ prototypes

    /** {"instances": [[...], ...], "version": n}: every number of every row into one float[], rows checked for width. */
    static float[] parseToFloats(byte[] body) {
        float[] out = new float[WIDTH * 16];
        int size = 0;
        try (JsonParser p = JSON.createParser(body)) {
            check(p.nextToken() == JsonToken.START_OBJECT, "object");
            for (JsonToken t = p.nextToken(); t == JsonToken.PROPERTY_NAME; t = p.nextToken()) {
                String field = p.currentName();
                p.nextToken();
                if ("instances".equals(field)) {
                    check(p.currentToken() == JsonToken.START_ARRAY, "array");
                    while (p.nextToken() == JsonToken.START_ARRAY) {
                        int start = size;
                        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                            check(v == JsonToken.VALUE_NUMBER_FLOAT || v == JsonToken.VALUE_NUMBER_INT, "number");
                            if (size == out.length) {
                                out = Arrays.copyOf(out, out.length * 2);
                            }
                            double d = p.getDoubleValue();
                            check(Double.isFinite(d) && Math.abs(d) <= Float.MAX_VALUE, "finite");
                            out[size++] = (float) d;
                        }
                        check(size - start == WIDTH, "row width");
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return size == out.length ? out : Arrays.copyOf(out, size);
    }

    static INDArray toMatrixProposed(float[] values, int n) {
        INDArray x = Nd4j.create(DataType.FLOAT, new long[] {n, WIDTH}, 'c');
        new FloatPointer(x.data().addressPointer()).put(values, 0, n * WIDTH);
        return x;
    }

    static INDArray refill(INDArray x, float[] values) {
        new FloatPointer(x.data().addressPointer()).put(values, 0, values.length);
        return x;
    }

    static INDArray predictProposed(Network network, INDArray x, INDArray meanF, INDArray invStdF) {
        x.subiRowVector(meanF).muliRowVector(invStdF);
        return network.forward(x);
    }

    static float[][] toRows(INDArray outputs) {
        int n = (int) outputs.rows();
        int k = (int) outputs.columns();
        float[] flat = outputs.data().asFloat();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * k, (i + 1) * k);
        }
        return rows;
    }

    static float[] flatten(double[][] rows) {
        float[] out = new float[rows.length * WIDTH];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < WIDTH; c++) {
                out[r * WIDTH + c] = (float) rows[r][c];
            }
        }
        return out;
    }

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
