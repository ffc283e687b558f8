package dev.chainrule.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the OpenBLAS kernel is worth here, and so what a user whose CPU OpenBLAS 0.3.19 does not recognise loses:
 * the GEMM limit of the benchmark's training step ({@link GemmLimit}) in a fresh JVM per kernel, with
 * {@code OPENBLAS_CORETYPE} unset (OpenBLAS chooses) and then set to each kernel in turn (it is read when the
 * library loads, so each needs its own process). Every child gets the variable in its own environment only; this
 * process's stays as it is. {@code bench/run.sh --kernels}; writes bench/results/YYYY-MM-DD-kernels[-TAG].md.
 *
 * <p>Arguments: {@code --coretypes LIST} (default {@code SKYLAKEX,HASWELL,SANDYBRIDGE,NEHALEM}, on top of the
 * unset case), {@code --results DIR}, {@code --tag NAME}, {@code --command}, {@code --revision}.
 */
public final class KernelComparison {

    /** The child: the corename OpenBLAS reports, then the limit at 1 and at all cores' threads (engine split). */
    static final class Child {
        public static void main(String[] args) {
            int cores = Runtime.getRuntime().availableProcessors();
            dev.chainrule.engine.kernel.ComputeThreads.configure(1, 1); // loads ND4J and so OpenBLAS, which the probe asks
            String core = OpenBlasProbe.probe().getOrDefault("openblas_get_corename", "unknown");
            StringBuilder out = new StringBuilder("corename=" + core);
            for (int threads : cores > 1 ? new int[] {1, cores} : new int[] {1}) {
                dev.chainrule.engine.kernel.ComputeThreads.configure(1, threads);
                dev.chainrule.engine.kernel.ComputeThreads.useShare(threads); // the engine splits each product over them
                GemmLimit limit = new GemmLimit();
                limit.calibrate(60);
                for (int r = 0; r < 5; r++) {
                    limit.round();
                }
                Stats s = Stats.of(limit.limitPerRound(EngineBenchmark.BATCH));
                out.append(String.format(Locale.ROOT, ";limit%d=%.0f;min%d=%.0f;max%d=%.0f", threads, s.median(), threads,
                        s.min(), threads, s.max()));
            }
            System.out.println(out);
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        List<String> kernels = new ArrayList<>(List.of("SKYLAKEX", "HASWELL", "SANDYBRIDGE", "NEHALEM"));
        Path results = Path.of("bench/results");
        String tag = null;
        String command = "java dev.chainrule.bench.KernelComparison " + String.join(" ", args);
        String revision = "unknown";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--coretypes" -> kernels = List.of(args[++i].split(","));
                case "--results" -> results = Path.of(args[++i]);
                case "--tag" -> tag = args[++i];
                case "--command" -> command = args[++i];
                case "--revision" -> revision = args[++i];
                case "--data" -> i++; // bench/run.sh passes it to every mode; not needed here
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ZonedDateTime started = ZonedDateTime.now();
        String inherited = System.getenv("OPENBLAS_CORETYPE");
        List<String[]> rows = new ArrayList<>();
        List<String> cases = new ArrayList<>();
        cases.add(null);
        cases.addAll(kernels);
        double auto = Double.NaN;
        for (String kernel : cases) {
            if (kernel != null && inherited != null) {
                System.err.println("[bench] OPENBLAS_CORETYPE is set (" + inherited + "); the kernels are not compared");
                break;
            }
            String load = EnvironmentInfo.loadAverage().replace(" (1, 5, 15 min)", "");
            Map<String, String> child = runChild(kernel);
            double one = Double.parseDouble(child.getOrDefault("limit1", "NaN"));
            double all = Double.parseDouble(child.getOrDefault("limit" + Runtime.getRuntime().availableProcessors(), "NaN"));
            if (kernel == null) {
                auto = Math.max(one, all);
            }
            String label = kernel == null ? (inherited == null ? "unset (OpenBLAS chooses)" : "as set: `" + inherited + "`")
                    : "`OPENBLAS_CORETYPE=" + kernel + "`";
            rows.add(new String[] {label, child.getOrDefault("corename", "?"), range(child, "1"),
                    range(child, String.valueOf(Runtime.getRuntime().availableProcessors())),
                    kernel == null ? "1.00x" : String.format(Locale.ROOT, "%.2fx", Math.max(one, all) / auto), load});
            System.err.println("[bench] " + String.join(" | ", rows.get(rows.size() - 1)));
        }
        int cores = Runtime.getRuntime().availableProcessors();
        String markdown = markdown(started.toLocalDate(), command, revision, EnvironmentInfo.cpuModel() + " ("
                + EnvironmentInfo.simdFlags() + "), " + cores + " logical CPUs", EnvironmentInfo.pomVersion("org.bytedeco",
                "openblas"), cores, rows);
        Files.createDirectories(results);
        Path file = results.resolve(started.format(DateTimeFormatter.ISO_LOCAL_DATE) + "-kernels" + (tag == null ? "" : "-" + tag) + ".md");
        Files.writeString(file, markdown);
        System.out.println(markdown);
        System.err.println("[bench] wrote " + file);
    }

    /**
     * The results file: what was measured, the run's facts, then one row per kernel (label, corename, the limit at 1
     * thread and at {@code cores}, best against unset, the load before its child).
     */
    static String markdown(LocalDate date, String command, String revision, String cpu, String openblas, int cores,
                           List<String[]> rows) {
        Report out = new Report("OpenBLAS kernels, " + date, "The GEMM limit of one training step of the benchmark's MLP"
                + " (the eight products at batch 128, float32, through the engine's `Blas.gemm`; training samples/s if a step"
                + " cost nothing but them), in a fresh JVM per row with `OPENBLAS_CORETYPE` as given (read when OpenBLAS"
                + " loads). The first row is what a user gets with nothing set. Median (min - max) of 5 chunks.");
        out.fact("Command", "`" + command + "`");
        out.fact("Engine revision", "`" + revision + "`");
        out.fact("CPU", cpu);
        out.fact("OpenBLAS", openblas + " (JavaCPP presets, ND4J 1.0.0-M2.1's)");
        out.line();
        out.table("OPENBLAS_CORETYPE", "kernel OpenBLAS reports", "limit samples/s, 1 BLAS thread", "limit samples/s, "
                + cores + " threads (the engine's split, OpenBLAS 1)", "best vs unset", "load before (1, 5, 15 min)");
        rows.forEach(r -> out.row((Object[]) r));
        return out.markdown();
    }

    private static String range(Map<String, String> child, String threads) {
        String median = child.get("limit" + threads);
        return median == null ? "-" : String.format(Locale.ROOT, "%,.0f (%,.0f - %,.0f)", Double.parseDouble(median),
                Double.parseDouble(child.get("min" + threads)), Double.parseDouble(child.get("max" + threads)));
    }

    private static Map<String, String> runChild(String kernel) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), Child.class.getName());
        if (kernel != null) {
            builder.environment().put("OPENBLAS_CORETYPE", kernel);
        }
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("corename=")) {
                for (String part : line.split(";")) {
                    String[] kv = part.split("=", 2);
                    out.put(kv[0], kv[1]);
                }
            }
        }
        return out;
    }
}
