package dev.chainrule.engine.init;

import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a fully connected layer's weights start. Biases start at zero. Draws come from a seeded
 * {@link SplittableRandom} in Java, so the same seed gives bit-identical weights on every machine.
 */
public enum WeightInitialiser {
    /** Glorot and Bengio: U(-b, b), b = sqrt(6 / (fanIn + fanOut)); suits logistic, tanh and softmax layers. */
    XAVIER,
    /** He et al.: N(0, 2 / fanIn); suits ReLU layers, whose half-zero outputs halve the variance. */
    HE,
    /** U(-0.05, 0.05), the classic "small random weights" start. */
    SMALL_UNIFORM;

    static final double SMALL_UNIFORM_BOUND = 0.05;

    /** Fills a fanIn x fanOut weight matrix in place. */
    public void fill(INDArray weights, SplittableRandom random) {
        int fanIn = (int) weights.rows();
        int fanOut = (int) weights.columns();
        double[] values = new double[fanIn * fanOut];
        switch (this) {
            case XAVIER -> {
                double bound = Math.sqrt(6.0 / (fanIn + fanOut));
                for (int i = 0; i < values.length; i++) {
                    values[i] = random.nextDouble(-bound, bound);
                }
            }
            case HE -> {
                double std = Math.sqrt(2.0 / fanIn);
                for (int i = 0; i < values.length; i++) {
                    values[i] = random.nextGaussian() * std;
                }
            }
            case SMALL_UNIFORM -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = random.nextDouble(-SMALL_UNIFORM_BOUND, SMALL_UNIFORM_BOUND);
                }
            }
        }
        weights.assign(Nd4j.createFromArray(values).reshape('c', fanIn, fanOut).castTo(weights.dataType()));
    }

    public static WeightInitialiser parse(String name) {
        String key = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        return switch (key) {
            case "XAVIER", "GLOROT", "GLOROT_UNIFORM", "XAVIER_UNIFORM" -> XAVIER;
            case "HE", "HE_NORMAL", "KAIMING" -> HE;
            case "SMALL_UNIFORM", "UNIFORM" -> SMALL_UNIFORM;
            default -> throw new IllegalArgumentException("unknown initialiser '" + name + "'");
        };
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
