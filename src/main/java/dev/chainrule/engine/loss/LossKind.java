package dev.chainrule.engine.loss;

import java.util.Locale;

/** The objectives of seed 001, by the names a model definition uses. */
public enum LossKind {
    SQUARED_ERROR,
    LOG_LOSS,
    CROSS_ENTROPY;

    /** The default numeric stability constant inside the logarithms (seed 001: "say epsilon = 10^-7"). */
    public static final double DEFAULT_EPSILON = 1e-7;

    public Loss create(double epsilon) {
        return switch (this) {
            case SQUARED_ERROR -> new SquaredErrorLoss();
            case LOG_LOSS -> new LogLoss(epsilon);
            case CROSS_ENTROPY -> new CrossEntropyLoss(epsilon);
        };
    }

    public Loss create() {
        return create(DEFAULT_EPSILON);
    }

    /** Parses "cross_entropy", "cross-entropy", "squared_error", "mse", "log_loss", "binary_cross_entropy". */
    public static LossKind parse(String name) {
        String key = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        return switch (key) {
            case "MSE", "SE", "SQUARED_ERROR" -> SQUARED_ERROR;
            case "LOG_LOSS", "LOGLOSS", "BINARY_CROSS_ENTROPY" -> LOG_LOSS;
            case "CROSS_ENTROPY", "CATEGORICAL_CROSS_ENTROPY" -> CROSS_ENTROPY;
            default -> throw new IllegalArgumentException("unknown loss '" + name + "'");
        };
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
