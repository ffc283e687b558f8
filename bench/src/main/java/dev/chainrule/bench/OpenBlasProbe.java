package dev.chainrule.bench;

import dev.chainrule.engine.kernel.OpenBlasBuild;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Asks the OpenBLAS library ND4J and the engine loaded which kernel it runs (openblas_get_corename) and how it was
 * built (openblas_get_config). From JavaCPP 1.5.13 the openblas_nolapack preset no longer maps those functions;
 * the openblas_full preset does, and its JNI library links the same libopenblas.so.0 (the engine's
 * {@link OpenBlasBuild} reads them that way, and so does this probe).
 *
 * <p>An OpenBLAS that does not know the CPU falls back to an older kernel unless OPENBLAS_CORETYPE names one; the
 * core name tells which case a run was in.
 */
final class OpenBlasProbe {
    private OpenBlasProbe() {
    }

    /** corename, config, parallel (0 sequential, 1 pthreads, 2 OpenMP), thread count, library path; or an error entry. */
    static Map<String, String> probe() {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            out.put("openblas_get_corename", OpenBlasBuild.coreName());
            out.put("openblas_get_config", OpenBlasBuild.config());
            out.put("openblas_get_parallel", String.valueOf(OpenBlasBuild.threading()));
            out.put("openblas_get_num_threads", String.valueOf(openblas_full.openblas_get_num_threads()));
        } catch (Throwable e) {
            out.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        String library = mappedLibrary("libopenblas.so");
        out.put("library", library == null ? "not mapped" : library);
        return out;
    }

    /** The file names of every mapped shared library whose name starts with the prefix. */
    static String mappedLibraries(String prefix) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0) {
                    String path = line.substring(slash).trim();
                    String file = path.substring(path.lastIndexOf('/') + 1);
                    if (file.startsWith(prefix) && file.contains(".so")) {
                        names.add(file);
                    }
                }
            }
        } catch (Exception e) {
            return "unknown";
        }
        return String.join(", ", names);
    }

    /** The path of a shared library mapped into this process whose file name starts with the prefix. */
    static String mappedLibrary(String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash).trim();
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (file.startsWith(prefix) && file.contains(".so")) {
                    return path;
                }
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }
}
