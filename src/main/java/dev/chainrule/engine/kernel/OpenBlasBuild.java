package dev.chainrule.engine.kernel;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.openblas.global.openblas_full;

/**
 * What the OpenBLAS under the engine and ND4J is: its version and the kernel it picked for this CPU. The
 * openblas_nolapack preset the engine calls does not map openblas_get_corename / openblas_get_config from JavaCPP
 * 1.5.13 on; openblas_full does. Its JNI library, like the engine's, resolves OpenBLAS's symbols to the
 * libopenblas.so.0 that ND4J loads first, so all of them reach one library: a thread count set through ND4J is
 * the one openblas_full reads, and it changes how the engine's cblas_sgemm runs
 * (bench/results/2026-12-06-openblas-0.3.31-notes.md).
 */
public final class OpenBlasBuild {
    private OpenBlasBuild() {
    }

    /** The build as OpenBLAS reports it, e.g. "OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64". */
    public static String config() {
        return text(openblas_full.openblas_get_config());
    }

    /** The kernel OpenBLAS chose for this CPU (or the one OPENBLAS_CORETYPE named), e.g. "Cooperlake", "Haswell". */
    public static String coreName() {
        return text(openblas_full.openblas_get_corename());
    }

    /** The version number from the build string, e.g. "0.3.31". */
    public static String version() {
        String[] words = config().split("\\s+");
        return words.length > 1 && words[0].equals("OpenBLAS") ? words[1] : "unknown";
    }

    /** 0 sequential, 1 pthreads, 2 OpenMP. */
    public static int threading() {
        return openblas_full.openblas_get_parallel(); // the class loads its library on first use
    }

    private static String text(BytePointer pointer) {
        return pointer == null || pointer.isNull() ? "unknown" : pointer.getString().trim();
    }
}
