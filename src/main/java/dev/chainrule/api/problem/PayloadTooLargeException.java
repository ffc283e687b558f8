package dev.chainrule.api.problem;

/** The request body is larger than chainrule.limits.max-request-size (max-dataset-size for an upload, a model file's size for an import). */
public class PayloadTooLargeException extends RuntimeException {
    public static final String REQUEST_LIMIT = "chainrule.limits.max-request-size";
    public static final String DATASET_LIMIT = "chainrule.limits.max-dataset-size";
    /** A model file may be as large as a model within max-parameters makes it. */
    public static final String IMPORT_LIMIT = "chainrule.limits.max-parameters, as float64, plus 16MB";

    public PayloadTooLargeException(long limitBytes) {
        this(limitBytes, REQUEST_LIMIT);
    }

    public PayloadTooLargeException(long limitBytes, String setting) {
        super("the request body is larger than the limit of " + limitBytes + " bytes (" + setting + ")");
    }
}
