package dev.chainrule.api;

/** Checks ?page=&size= of a listing. */
public final class Paging {
    static final int MAX_SIZE = 100;

    private Paging() {
    }

    public static void check(int page, int size) {
        FieldErrors errors = new FieldErrors();
        check(page, size, errors);
        errors.throwIfAny();
    }

    /** Adds what is wrong with ?page=&size= to {@code errors}. */
    static void check(int page, int size, FieldErrors errors) {
        if (page < 0) {
            errors.add("page", "must be 0 or more, got " + page);
        }
        if (size < 1 || size > MAX_SIZE) {
            errors.add("size", "must be between 1 and " + MAX_SIZE + ", got " + size);
        }
    }
}
