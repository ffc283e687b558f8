package dev.chainrule.engine.optim;

import java.util.Locale;

/**
 * Which optimiser and its hyperparameters, as plain values a training request can carry.
 *
 * @param kind         sgd, momentum or adam
 * @param learningRate eta
 * @param momentum     mu, for momentum (default 0.9)
 * @param beta1        Adam's first-moment decay (default 0.9)
 * @param beta2        Adam's second-moment decay (default 0.999)
 * @param epsilon      Adam's denominator guard (default 1e-8)
 */
public record OptimiserSettings(Kind kind, double learningRate, double momentum, double beta1, double beta2,
                                double epsilon) {

    public enum Kind {
        SGD, MOMENTUM, ADAM;

        public static Kind parse(String name) {
            return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT));
        }
    }

    public static OptimiserSettings sgd(double learningRate) {
        return new OptimiserSettings(Kind.SGD, learningRate, 0.9, 0.9, 0.999, 1e-8);
    }

    public static OptimiserSettings momentum(double learningRate, double momentum) {
        return new OptimiserSettings(Kind.MOMENTUM, learningRate, momentum, 0.9, 0.999, 1e-8);
    }

    public static OptimiserSettings adam(double learningRate) {
        return new OptimiserSettings(Kind.ADAM, learningRate, 0.9, 0.9, 0.999, 1e-8);
    }

    /** A new optimiser with fresh state. */
    public Optimiser create() {
        return switch (kind) {
            case SGD -> new SgdOptimiser(learningRate);
            case MOMENTUM -> new MomentumOptimiser(learningRate, momentum);
            case ADAM -> new AdamOptimiser(learningRate, beta1, beta2, epsilon);
        };
    }

    static double positive(double value, String what) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be a finite number > 0, got " + value);
        }
        return value;
    }
}
