package dev.chainrule.api;

import java.util.List;

/** A field of the request names a version or alias the model does not have: 404 naming the field. */
public class ReferenceNotFoundException extends RuntimeException {
    private final List<InvalidRequestException.FieldError> errors;

    public ReferenceNotFoundException(String field, String reason) {
        super(reason);
        this.errors = List.of(new InvalidRequestException.FieldError(field, reason));
    }

    List<InvalidRequestException.FieldError> errors() {
        return errors;
    }
}
