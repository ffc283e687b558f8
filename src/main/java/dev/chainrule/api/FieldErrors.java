package dev.chainrule.api;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem of a request, so one response tells the client all it has to fix. */
public final class FieldErrors {
    /** Enough to be useful; a request with a million bad cells should not produce a million-line answer. */
    static final int MAX_REPORTED = 50;

    private final List<InvalidRequestException.FieldError> errors = new ArrayList<>();

    public void add(String field, String reason) {
        if (errors.size() < MAX_REPORTED) {
            errors.add(new InvalidRequestException.FieldError(field, reason));
        }
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public boolean isFull() {
        return errors.size() >= MAX_REPORTED;
    }

    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
    }
}
