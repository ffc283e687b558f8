package dev.chainrule.client;

/** 400: the request breaks the rules (`/problems/invalid-request`, `malformed-json`, `invalid-csv`); {@link #errors()} names every invalid field. */
public class ValidationException extends ChainruleApiException {
    public ValidationException(String request, Problem problem) {
        super(request, problem);
    }
}
