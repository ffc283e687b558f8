package dev.chainrule.engine.optim;

import dev.chainrule.engine.kernel.NioView;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Java copies of the arrays one optimiser step reads and writes, so the step's arithmetic runs as one
 * vectorisable loop over Java arrays instead of a dozen ND4J ops over the same memory (which cost most of an
 * MNIST batch, bench/results): the float32 path of each optimiser. Arrays are copied in and out in bulk through NIO views, kept
 * per parameter and array; the Java arrays ("slots") grow to the largest parameter and are reused.
 */
final class ParameterArrays {
    private final int slots;
    private final Map<String, NioView[]> views = new HashMap<>();
    private final float[][] floats;

    ParameterArrays(int slots) {
        this.slots = slots;
        this.floats = new float[slots][0];
    }

    /** Copies a float32 array into Java array {@code slot}; {@code key} names the array for its view. */
    float[] loadFloats(String key, int slot, INDArray array) {
        int n = (int) array.length();
        if (floats[slot].length < n) {
            floats[slot] = new float[n];
        }
        view(key, slot).floats(array).get(0, floats[slot], 0, n);
        return floats[slot];
    }

    /** Copies Java array {@code slot} back into the array it was loaded from. */
    void storeFloats(String key, int slot, INDArray array) {
        view(key, slot).floats(array).put(0, floats[slot], 0, (int) array.length());
    }

    private NioView view(String key, int slot) {
        NioView[] perArray = views.computeIfAbsent(key, k -> new NioView[slots]);
        if (perArray[slot] == null) {
            perArray[slot] = new NioView();
        }
        return perArray[slot];
    }
}
