package dev.chainrule.client;

/** 413: the body is larger than the service's `chainrule.limits.max-request-size`. */
public class PayloadTooLargeException extends ChainruleApiException {
    public PayloadTooLargeException(String request, Problem problem) {
        super(request, problem);
    }
}
