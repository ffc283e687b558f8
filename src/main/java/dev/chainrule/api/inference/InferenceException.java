package dev.chainrule.api.inference;

import org.springframework.http.HttpStatus;

/** A request the Open Inference Protocol routes refuse: answered as the protocol's {"error": message}. */
class InferenceException extends RuntimeException {
    private final HttpStatus status;

    InferenceException(HttpStatus status, String message) {
        super(message);
        this.status = status;
    }

    static InferenceException badRequest(String message) {
        return new InferenceException(HttpStatus.BAD_REQUEST, message);
    }

    static InferenceException notFound(String message) {
        return new InferenceException(HttpStatus.NOT_FOUND, message);
    }

    HttpStatus status() {
        return status;
    }
}
