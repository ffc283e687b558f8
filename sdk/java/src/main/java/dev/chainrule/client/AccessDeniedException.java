package dev.chainrule.client;

/** 401 (no valid API key) or 403 (the key's role may not do this). */
public class AccessDeniedException extends ChainruleApiException {
    public AccessDeniedException(String request, Problem problem) {
        super(request, problem);
    }
}
