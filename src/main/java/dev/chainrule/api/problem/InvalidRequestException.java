package dev.chainrule.api.problem;

import java.util.List;

/** A request that parsed but breaks the rules; each error names the field (a JSON path) and the reason. */
public class InvalidRequestException extends RuntimeException {
    private final List<FieldError> errors;

    public InvalidRequestException(List<FieldError> errors) {
        super(errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).reason()
                : errors.size() + " fields are invalid");
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** One invalid field: e.g. {"field": "layers[1].activation", "reason": "unknown activation 'swish'"}. */
    public record FieldError(String field, String reason) {
    }
}
