package dev.chainrule.bench;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/** What a run's figures depend on: machine, JVM, native libraries, thread and BLAS settings. */
final class EnvironmentInfo {
    /** Environment variables that change what the native code does; recorded, never set by the benchmark. */
    static final List<String> NATIVE_VARIABLES = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "MKL_NUM_THREADS", "ND4J_SKIP_BLAS_THREADS");

    private EnvironmentInfo() {
    }

    static Map<String, String> collect() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CPU", cpuModel());
        env.put("logical CPUs (JVM)", String.valueOf(Runtime.getRuntime().availableProcessors()));
        env.put("CPU flags (SIMD)", simdFlags());
        env.put("memory", memTotal());
        env.put("load average at start", loadAverage());
        env.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        env.put("Java", System.getProperty("java.runtime.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vm.name") + ")");
        env.put("JVM arguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        env.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        for (String name : NATIVE_VARIABLES) {
            String value = System.getenv(name);
            env.put(name, value == null ? "unset" : "`" + value + "`");
        }
        env.put("ND4J", pomVersion("org.nd4j", "nd4j-api") + " (backend " + pomVersion("org.nd4j", "nd4j-native") + ")");
        env.put("JavaCPP", pomVersion("org.bytedeco", "javacpp"));
        env.put("OpenBLAS (JavaCPP presets)", pomVersion("org.bytedeco", "openblas"));
        Environment nd4j = Nd4j.getEnvironment();
        env.put("BLAS reported by ND4J", Nd4j.factory().blas().getBlasVendor() + " " + nd4j.blasMajorVersion() + "."
                + nd4j.blasMinorVersion() + "." + nd4j.blasPatchVersion());
        Map<String, String> probe = OpenBlasProbe.probe();
        env.put("OpenBLAS kernel (openblas_get_corename)", probe.getOrDefault("openblas_get_corename", "unknown"));
        env.put("OpenBLAS config", probe.getOrDefault("openblas_get_config", "unknown"));
        if (probe.containsKey("openblas_get_parallel")) {
            String p = probe.get("openblas_get_parallel");
            env.put("OpenBLAS threading", switch (p) {
                case "0" -> "sequential (0)";
                case "1" -> "pthreads (1)";
                case "2" -> "OpenMP (2)";
                default -> p;
            });
        }
        if (probe.containsKey("error")) {
            env.put("OpenBLAS probe", probe.get("error"));
        }
        env.put("OpenBLAS probed", probe.getOrDefault("library", "unknown"));
        env.put("OpenBLAS libraries mapped", OpenBlasProbe.mappedLibraries("libopenblas"));
        env.put("OpenMP runtime mapped", OpenBlasProbe.mappedLibraries("libgomp"));
        env.put("libnd4j library", String.valueOf(OpenBlasProbe.mappedLibrary("libjnind4jcpu")));
        try {
            Properties info = Nd4j.getExecutioner().getEnvironmentInformation();
            for (String key : new String[] {"cores", "omp.threads", "blas.vendor", "backend"}) {
                if (info.containsKey(key)) {
                    env.put("ND4J env " + key, String.valueOf(info.get(key)));
                }
            }
        } catch (RuntimeException e) {
            env.put("ND4J environment information", "unavailable: " + e.getMessage());
        }
        env.put("ND4J periodic GC", String.valueOf(Nd4j.getMemoryManager().isPeriodicGcActive()));
        env.put("ND4J allocation counter", Counters.nd4jCounterAvailable() ? "DeallocatorService ids (readable)" : "unavailable");
        return env;
    }

    static String cpuModel() {
        for (String line : lines("/proc/cpuinfo")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    static String simdFlags() {
        for (String line : lines("/proc/cpuinfo")) {
            if (line.startsWith("flags")) {
                TreeSet<String> simd = new TreeSet<>();
                for (String flag : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                    if (flag.equals("fma") || flag.equals("avx") || flag.equals("avx2") || flag.equals("avx512f")
                            || flag.equals("avx512_fp16") || flag.equals("amx_tile") || flag.equals("avx512_bf16")
                            || flag.equals("avx512_vnni")) {
                        simd.add(flag);
                    }
                }
                return String.join(" ", simd);
            }
        }
        return "unknown";
    }

    static String memTotal() {
        for (String line : lines("/proc/meminfo")) {
            if (line.startsWith("MemTotal")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return (kb >> 20) + " GiB";
            }
        }
        return "unknown";
    }

    static String loadAverage() {
        List<String> lines = lines("/proc/loadavg");
        if (lines.isEmpty()) {
            return "unknown";
        }
        String[] parts = lines.get(0).split("\\s+");
        return parts.length >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] + " (1, 5, 15 min)" : lines.get(0);
    }

    static String pomVersion(String group, String artifact) {
        String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = EnvironmentInfo.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (Exception e) {
            return List.of();
        }
    }
}
