package dev.chainrule.client;

/** The request did not get an answer: the service could not be reached, or the connection failed. */
public class ChainruleTransportException extends ChainruleException {
    public ChainruleTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
