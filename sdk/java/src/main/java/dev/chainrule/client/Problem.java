package dev.chainrule.client;

import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem detail, as the service answers every error.
 *
 * @param type       the kind of problem, e.g. {@code /problems/not-found}; null when the service sent none
 * @param title      a short summary of the kind
 * @param status     the HTTP status
 * @param detail     what went wrong in this request, and what to change
 * @param instance   the path of the request, or null
 * @param errors     every invalid field ({@code /problems/invalid-request}), or every instance whose result is
 *                   not finite; empty otherwise
 * @param properties the problem's other members (e.g. {@code line} and {@code column} of an invalid CSV)
 */
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors,
                      Map<String, Object> properties) {

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /**
     * One invalid field.
     *
     * @param field  the field as a JSON path into the body ({@code layers[1].activation}), a query parameter's
     *               name, or {@code (body)}
     * @param reason what is wrong with it
     */
    public record FieldError(String field, String reason) {
    }

    /** The kind without its path: {@code not-found} for {@code /problems/not-found}; empty when there is no type. */
    public String kind() {
        if (type == null) {
            return "";
        }
        int slash = type.lastIndexOf('/');
        return slash < 0 ? type : type.substring(slash + 1);
    }

    /** The reason given for this field, or null when the field is not named. */
    public String reasonFor(String field) {
        return errors.stream().filter(e -> e.field().equals(field)).map(FieldError::reason).findFirst().orElse(null);
    }
}
