package dev.chainrule.client;

/** Anything the client throws: the service's errors ({@link ChainruleApiException}) and failures to reach it. */
public class ChainruleException extends RuntimeException {
    public ChainruleException(String message) {
        super(message);
    }

    public ChainruleException(String message, Throwable cause) {
        super(message, cause);
    }
}
