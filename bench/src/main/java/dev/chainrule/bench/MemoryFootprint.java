package dev.chainrule.bench;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingListener;
import dev.chainrule.engine.training.TrainingResult;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The memory it takes to train MNIST with the engine: the whole training set (60000 x 784 float32, 188 MB
 * off-heap) and the test set, the MLP 784-256-128-10, minibatch 128, for a few epochs, in a JVM started with the
 * heap bound the issue asks about ({@code bench/run.sh --memory} starts it with {@code -Xmx1g}). Records the
 * process's peak resident set (VmHWM), the heap's peak use, the off-heap bytes JavaCPP tracks, the collections,
 * and whether training completed. Writes bench/results/YYYY-MM-DD-memory[-TAG].md and prints it.
 *
 * <p>Arguments: {@code --epochs N} (default 2), {@code --optimiser sgd|adam} (default sgd, lr 0.1; adam lr
 * 0.001 as the MNIST learning test), {@code --data DIR}, {@code --results DIR}, {@code --tag NAME},
 * {@code --command}, {@code --revision}.
 */
public final class MemoryFootprint {

    public static void main(String[] args) throws IOException {
        int epochs = 2;
        String optimiser = "sgd";
        Path data = Path.of(System.getenv().getOrDefault("CHAINRULE_MNIST_DIR", "datasets/mnist"));
        Path results = Path.of("bench/results");
        String tag = null;
        String command = "java dev.chainrule.bench.MemoryFootprint " + String.join(" ", args);
        String revision = "unknown";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--optimiser" -> optimiser = args[++i];
                case "--data" -> data = Path.of(args[++i]);
                case "--results" -> results = Path.of(args[++i]);
                case "--tag" -> tag = args[++i];
                case "--command" -> command = args[++i];
                case "--revision" -> revision = args[++i];
                case "--memory", "--quick" -> {
                    // bench/run.sh's mode switch; there is no quick form of this measurement
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ZonedDateTime started = ZonedDateTime.now();
        String loadStart = EnvironmentInfo.loadAverage();
        ComputeThreads.configure(1, Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        Dataset train = MnistIdxReader.read(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"), DataType.FLOAT);
        Dataset test = MnistIdxReader.read(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"), DataType.FLOAT);
        String afterLoad = status("VmRSS");
        Network network = Network.initialised(EngineBenchmark.mlp(), EngineBenchmark.SEED);
        OptimiserSettings settings = optimiser.equals("adam") ? OptimiserSettings.adam(0.001)
                : OptimiserSettings.sgd(EngineBenchmark.LEARNING_RATE);
        List<String> epochLines = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onEpoch(EpochReport report) {
                String line = String.format(Locale.ROOT, "| %d | %.2f | %.0f | %.4f | %s | %s |", report.epoch(),
                        report.durationNanos() / 1e9, train.size() / (report.durationNanos() / 1e9), report.trainingLoss(),
                        status("VmRSS"), status("VmHWM"));
                epochLines.add(line);
                System.err.println("[bench] epoch " + line);
            }
        };
        TrainingResult result = new Trainer(network, TrainingConfig.of(epochs, EngineBenchmark.BATCH, settings,
                EngineBenchmark.SEED)).fit(train, null, listener, () -> false);
        double accuracy = Trainer.evaluate(network, test).metrics().getOrDefault("accuracy", Double.NaN);
        double seconds = (System.nanoTime() - t0) / 1e9;

        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        long collections = 0;
        long collectionMillis = 0;
        StringBuilder collectors = new StringBuilder();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, gc.getCollectionCount());
            collectionMillis += Math.max(0, gc.getCollectionTime());
            collectors.append(collectors.length() == 0 ? "" : ", ").append(gc.getName()).append(' ')
                    .append(gc.getCollectionCount()).append(" (").append(gc.getCollectionTime()).append(" ms)");
        }
        StringBuilder out = new StringBuilder();
        out.append("# Memory to train MNIST, ").append(started.toLocalDate()).append("\n\n");
        out.append("The engine trains MNIST's 60000 training images (784 float32 each, off-heap) with the MLP 784-256-128-10,"
                + " minibatch 128, ").append(settings.kind().name().toLowerCase(Locale.ROOT)).append(" lr ").append(settings.learningRate()).append(", ").append(epochs)
                .append(" epoch(s), then scores the 10000 test images, in a JVM with the flags below.\n\n");
        out.append("- **Command:** `").append(command).append("`\n");
        out.append("- **Engine revision:** `").append(revision).append("`\n");
        out.append("- **JVM flags:** `").append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
                .append("` (max heap ").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB)\n");
        out.append("- **Load average:** ").append(loadStart).append(" at the start, ").append(EnvironmentInfo.loadAverage())
                .append(" at the end\n\n");
        out.append("| measure | value |\n|---|---|\n");
        out.append("| outcome | ").append(result.outcome()).append(", test accuracy ")
                .append(String.format(Locale.ROOT, "%.4f", accuracy)).append(", ")
                .append(String.format(Locale.ROOT, "%.1f", seconds)).append(" s with loading |\n");
        out.append("| **peak resident set (VmHWM)** | **").append(status("VmHWM")).append("** |\n");
        out.append("| resident set at the end (VmRSS) | ").append(status("VmRSS")).append(" |\n");
        out.append("| resident set after loading MNIST | ").append(afterLoad).append(" |\n");
        out.append("| heap: peak used (all heap pools' peaks summed, an upper bound) | ").append(heapPeak >> 20).append(" MiB |\n");
        out.append("| resident bytes JavaCPP reads / its limit (maxphysicalbytes: past it, ND4J's allocations fail) | ").append(Pointer.physicalBytes() >> 20)
                .append(" MiB / ").append(Pointer.maxPhysicalBytes() >> 20).append(" MiB |\n");
        out.append("| garbage collections | ").append(collections).append(", ").append(collectionMillis)
                .append(" ms in all: ").append(collectors).append(" |\n\n");
        out.append("| epoch | seconds | samples/s | training loss | VmRSS after | VmHWM after |\n|---|---|---|---|---|---|\n");
        epochLines.forEach(l -> out.append(l).append('\n'));
        out.append('\n');
        out.append("| environment | value |\n|---|---|\n");
        for (Map.Entry<String, String> e : EnvironmentInfo.collect().entrySet()) {
            if (e.getKey().startsWith("CPU") || e.getKey().startsWith("OPENBLAS") || e.getKey().startsWith("Java")
                    || e.getKey().startsWith("ND4J") || e.getKey().startsWith("OpenBLAS kernel") || e.getKey().startsWith("OMP")) {
                out.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
            }
        }
        Files.createDirectories(results);
        Path file = results.resolve(started.format(DateTimeFormatter.ISO_LOCAL_DATE) + "-memory"
                + (tag == null ? "" : "-" + tag) + ".md");
        Files.writeString(file, out.toString());
        System.out.println(out);
        System.err.println("[bench] wrote " + file);
    }

    /** A line of /proc/self/status ("VmHWM", "VmRSS") as MiB, or "unknown". */
    static String status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (kb >> 10) + " MiB";
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }
}
