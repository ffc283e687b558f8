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
        Report out = new Report("Memory to train MNIST, " + started.toLocalDate(),
                "The engine trains MNIST's 60000 training images (784 float32 each, off-heap) with the MLP 784-256-128-10,"
                + " minibatch 128, " + settings.kind().name().toLowerCase(Locale.ROOT) + " lr " + settings.learningRate()
                + ", " + epochs + " epoch(s), then scores the 10000 test images, in a JVM with the flags below.");
        out.fact("Command", "`" + command + "`");
        out.fact("Engine revision", "`" + revision + "`");
        out.fact("JVM flags", "`" + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())
                + "` (max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)");
        out.fact("Load average", loadStart + " at the start, " + EnvironmentInfo.loadAverage() + " at the end");
        out.line();
        out.table("measure", "value");
        out.row("outcome", result.outcome() + ", test accuracy " + Report.f4(accuracy) + ", " + Report.f1(seconds)
                + " s with loading");
        out.row("**peak resident set (VmHWM)**", "**" + status("VmHWM") + "**");
        out.row("resident set at the end (VmRSS)", status("VmRSS"));
        out.row("resident set after loading MNIST", afterLoad);
        out.row("heap: peak used (all heap pools' peaks summed, an upper bound)", (heapPeak >> 20) + " MiB");
        out.row("resident bytes JavaCPP reads / its limit (maxphysicalbytes: past it, ND4J's allocations fail)",
                (Pointer.physicalBytes() >> 20) + " MiB / " + (Pointer.maxPhysicalBytes() >> 20) + " MiB");
        out.row("garbage collections", collections + ", " + collectionMillis + " ms in all: " + collectors);
        out.line();
        out.table("epoch", "seconds", "samples/s", "training loss", "VmRSS after", "VmHWM after");
        epochLines.forEach(out::rawRow);
        out.line();
        out.table("environment", "value");
        for (Map.Entry<String, String> e : EnvironmentInfo.collect().entrySet()) {
            if (e.getKey().startsWith("CPU") || e.getKey().startsWith("OPENBLAS") || e.getKey().startsWith("Java")
                    || e.getKey().startsWith("ND4J") || e.getKey().startsWith("OpenBLAS kernel") || e.getKey().startsWith("OMP")) {
                out.row(e.getKey(), e.getValue());
            }
        }
        Files.createDirectories(results);
        Path file = results.resolve(started.format(DateTimeFormatter.ISO_LOCAL_DATE) + "-memory"
                + (tag == null ? "" : "-" + tag) + ".md");
        Files.writeString(file, out.markdown());
        System.out.println(out.markdown());
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
