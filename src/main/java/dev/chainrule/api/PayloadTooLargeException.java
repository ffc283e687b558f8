package dev.chainrule.api;

/** The request body is larger than chainrule.limits.max-request-size (or max-dataset-size for an upload). */
public class PayloadTooLargeException extends RuntimeException {
    static final String REQUEST_LIMIT = "chainrule.limits.max-request-size";
    static final String DATASET_LIMIT = "chainrule.limits.max-dataset-size";

    public PayloadTooLargeException(long limitBytes) {
        this(limitBytes, REQUEST_LIMIT);
    }

    PayloadTooLargeException(long limitBytes, String setting) {
        super("the request body is larger than the limit of " + limitBytes + " bytes (" + setting + ")");
    }
}
