package dev.chainrule.api.problem;

import java.util.List;

/**
 * The network's result for some instances overflowed float32 (inputs far outside anything it was trained
 * on). JSON has no number for that, so the request is refused rather than answered with strings.
 */
public class NonFiniteResultException extends RuntimeException {
    private final List<InvalidRequestException.FieldError> errors;

    NonFiniteResultException(List<InvalidRequestException.FieldError> errors) {
        super("the model's result is not a finite number for " + errors.size() + " instance(s); "
                + "their values are too far outside the range the model can compute in float32");
        this.errors = errors;
    }

    List<InvalidRequestException.FieldError> errors() {
        return errors;
    }

    /** Throws when any row of {@code rows} holds NaN or an infinity. */
    public static void check(float[][] rows, String what) {
        List<InvalidRequestException.FieldError> bad = new java.util.ArrayList<>();
        for (int r = 0; r < rows.length && bad.size() < FieldErrors.MAX_REPORTED; r++) {
            for (float v : rows[r]) {
                if (!Float.isFinite(v)) {
                    bad.add(new InvalidRequestException.FieldError("instances[" + r + "]", what + " is " + v));
                    break;
                }
            }
        }
        if (!bad.isEmpty()) {
            throw new NonFiniteResultException(bad);
        }
    }
}
