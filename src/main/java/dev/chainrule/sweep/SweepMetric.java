package dev.chainrule.sweep;

import java.util.Locale;

/** What a sweep optimises: a trial's validation loss, or a validation metric of its final epoch. */
public enum SweepMetric {
    VALIDATION_LOSS("validation_loss", true),
    ACCURACY("accuracy", false),
    R2("r2", false);

    private final String jsonName;
    private final boolean lowerIsBetter;

    SweepMetric(String jsonName, boolean lowerIsBetter) {
        this.jsonName = jsonName;
        this.lowerIsBetter = lowerIsBetter;
    }

    public String jsonName() {
        return jsonName;
    }

    /** The direction used when the request gives none. */
    public String defaultDirection() {
        return lowerIsBetter ? "minimize" : "maximize";
    }

    /** @throws IllegalArgumentException for an unknown name */
    public static SweepMetric parse(String name) {
        for (SweepMetric metric : values()) {
            if (metric.jsonName.equals(name.toLowerCase(Locale.ROOT))) {
                return metric;
            }
        }
        throw new IllegalArgumentException(name);
    }
}
