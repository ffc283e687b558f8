package dev.chainrule.sweep;

/**
 * The sweep cannot do what was asked now: a delete while trials wait or run, a prediction before any trial
 * succeeded. A 409; {@link #kind()} names the problem type.
 */
public class SweepConflictException extends RuntimeException {
    private final String kind;

    SweepConflictException(String kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** "sweep-active" or "sweep-not-trained". */
    public String kind() {
        return kind;
    }
}
