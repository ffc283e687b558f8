package dev.chainrule.client;

/** 404: no model, version, data set or job with this id (or no such route on this service). */
public class NotFoundException extends ChainruleApiException {
    public NotFoundException(String request, Problem problem) {
        super(request, problem);
    }
}
