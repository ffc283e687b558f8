package dev.chainrule.api;

/** The request body is larger than chainrule.limits.max-request-size. */
public class PayloadTooLargeException extends RuntimeException {
    public PayloadTooLargeException(long limitBytes) {
        super("the request body is larger than the limit of " + limitBytes
                + " bytes (chainrule.limits.max-request-size)");
    }
}
