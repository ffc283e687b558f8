package dev.chainrule.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Asks the OpenBLAS library ND4J loaded which kernel it runs (openblas_get_corename) and how it was built
 * (openblas_get_config). The JavaCPP presets of M2.1 do not map those functions, so this calls them through
 * Java 17's incubating foreign-function API, by reflection so that the benchmark compiles and runs without
 * it: run.sh passes --add-modules jdk.incubator.foreign, and without it the kernel reads "unknown".
 *
 * <p>OpenBLAS 0.3.19 falls back to a generic (much slower) kernel on CPUs it does not know, unless
 * OPENBLAS_CORETYPE names one; the core name tells which case a run was in.
 */
final class OpenBlasProbe {
    private OpenBlasProbe() {
    }

    /** corename, config, parallel (0 sequential, 1 pthreads, 2 OpenMP), library path; or an error entry. */
    static Map<String, String> probe() {
        Map<String, String> out = new LinkedHashMap<>();
        // ND4J's BLAS calls (and blas().setMaxThreads) go to the presets' openblas_nolapack library
        String library = mappedLibrary("libopenblas_nolapack");
        if (library == null) {
            library = mappedLibrary("libopenblas");
        }
        out.put("library", library == null ? "not mapped" : library);
        try {
            if (library != null) {
                // associate the already-loaded library with this class loader, so the loader lookup sees it
                try {
                    System.load(library);
                } catch (UnsatisfiedLinkError ignored) {
                    // loaded by another class loader: the lookup below may still find it
                }
            }
            Class<?> lookupClass = Class.forName("jdk.incubator.foreign.SymbolLookup");
            Object lookup = lookupClass.getMethod("loaderLookup").invoke(null);
            Class<?> linkerClass = Class.forName("jdk.incubator.foreign.CLinker");
            Object linker = linkerClass.getMethod("getInstance").invoke(null);
            Class<?> addressClass = Class.forName("jdk.incubator.foreign.MemoryAddress");
            Class<?> addressableClass = Class.forName("jdk.incubator.foreign.Addressable");
            Class<?> layoutClass = Class.forName("jdk.incubator.foreign.MemoryLayout");
            Class<?> descriptorClass = Class.forName("jdk.incubator.foreign.FunctionDescriptor");
            Object cPointer = linkerClass.getField("C_POINTER").get(null);
            Object cInt = linkerClass.getField("C_INT").get(null);
            Method of = descriptorClass.getMethod("of", layoutClass, layoutClass.arrayType());
            Method downcall = linkerClass.getMethod("downcallHandle", addressableClass, MethodType.class, descriptorClass);
            Method find = lookupClass.getMethod("lookup", String.class);
            Method toJavaString = linkerClass.getMethod("toJavaString", addressClass);

            Object stringFn = of.invoke(null, cPointer, java.lang.reflect.Array.newInstance(layoutClass, 0));
            Object intFn = of.invoke(null, cInt, java.lang.reflect.Array.newInstance(layoutClass, 0));
            for (String name : new String[] {"openblas_get_corename", "openblas_get_config"}) {
                Optional<?> symbol = (Optional<?>) find.invoke(lookup, name);
                if (symbol.isEmpty()) {
                    out.put(name, "symbol not found");
                    continue;
                }
                MethodHandle handle = (MethodHandle) downcall.invoke(linker, symbol.get(),
                        MethodType.methodType(addressClass), stringFn);
                Object address = handle.invoke();
                out.put(name, String.valueOf(toJavaString.invoke(null, address)).trim());
            }
            for (String name : new String[] {"openblas_get_parallel", "openblas_get_num_threads"}) {
                Optional<?> symbol = (Optional<?>) find.invoke(lookup, name);
                if (symbol.isPresent()) {
                    MethodHandle handle = (MethodHandle) downcall.invoke(linker, symbol.get(),
                            MethodType.methodType(int.class), intFn);
                    out.put(name, String.valueOf((int) handle.invoke()));
                }
            }
        } catch (Throwable e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException && e.getCause() != null ? e.getCause() : e;
            out.put("error", cause.getClass().getSimpleName() + ": " + cause.getMessage()
                    + " (run with --add-modules jdk.incubator.foreign, as run.sh does)");
        }
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
