package dev.chainrule.api;

import dev.chainrule.model.AliasNotFoundException;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import dev.chainrule.model.VersionNotFoundException;
import dev.chainrule.model.VersionRef;
import java.math.BigInteger;
import java.util.List;
import java.util.function.Function;

/**
 * One rule for every place a request names a version (a JSON field, a query parameter, a path segment): a number
 * (1 in JSON, where "1" is refused like any number sent as a string) names that version, "latest" the latest one, any other string an alias; absent, the model's default
 * alias, or the latest version when it has none. Alias names are never all digits nor "latest", so nothing reads
 * two ways.
 */
public final class VersionParameter {
    private VersionParameter() {
    }

    /** A version given as JSON (Jackson reads it untyped: Integer, Long, BigInteger, Double, String, ...). */
    public static VersionRef fromJson(Object value, String field) {
        if (value == null) {
            return VersionRef.DEFAULT;
        }
        if (value instanceof Integer number) {
            if (number < 1) {
                throw invalid(field, "versions are numbered from 1, got " + number);
            }
            return VersionRef.number(number);
        }
        if (value instanceof Long || value instanceof BigInteger) {
            throw invalid(field, "version " + value + " is too large");
        }
        if (value instanceof String text) {
            if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                // JSON is read strictly: a number goes as a number (an alias name is never all digits)
                throw invalid(field, "is a number sent as a string: send " + text + " without quotes");
            }
            return fromText(text, field);
        }
        throw invalid(field, "must be a version number (an integer from 1), \"latest\" or an alias name");
    }

    /** A version given as text (a query parameter or a path segment); null or empty: not named. */
    public static VersionRef fromText(String text, String field) {
        if (text == null) {
            return VersionRef.DEFAULT;
        }
        try {
            return VersionRef.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid(field, e.getMessage());
        }
    }

    /** The version, with a missing alias or version reported as a 404 naming the field that named it. */
    public static ModelVersion resolve(VersionRef ref, String field, Function<VersionRef, ModelVersion> lookup) {
        try {
            return lookup.apply(ref);
        } catch (AliasNotFoundException | VersionNotFoundException e) {
            if (e instanceof VersionNotFoundException missing && missing.untrained()) {
                throw missing;
            }
            throw new ReferenceNotFoundException(field, e.getMessage());
        }
    }

    public static ModelVersion resolve(ModelService models, String modelId, VersionRef ref, String field) {
        return resolve(ref, field, r -> models.resolve(modelId, r));
    }

    private static InvalidRequestException invalid(String field, String reason) {
        return new InvalidRequestException(List.of(new InvalidRequestException.FieldError(field, reason)));
    }
}
