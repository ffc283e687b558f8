package dev.chainrule.client;

/** 409: the resource's state forbids it (`/problems/model-in-use`, `model-not-trained`, a data set in use). */
public class ConflictException extends ChainruleApiException {
    public ConflictException(String request, Problem problem) {
        super(request, problem);
    }
}
