package dev.chainrule.storage;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a blob key may be, the same in every store: segments of letters, digits, '.', '_' and '-' joined by '/',
 * none empty, "." or "..", so a key can never leave the data directory and needs no escaping in a URL. The data
 * directory's own folders (the database, temp and cache files) are not keys.
 */
final class BlobKeys {
    static final int MAX_LENGTH = 512;
    /** Top-level names the data directory uses for things that are not objects. */
    static final Set<String> RESERVED = Set.of("db", "tmp", "cache");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    private BlobKeys() {
    }

    /** The key, when it is one; otherwise IllegalArgumentException saying why. */
    static String check(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a blob key must have 1 to " + MAX_LENGTH + " characters, got "
                    + (key == null ? "none" : key.length()));
        }
        String[] segments = key.split("/", -1);
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("not a blob key: '" + key
                        + "' (segments of letters, digits, '.', '_' and '-' joined by '/', none empty, '.' or '..')");
            }
        }
        if (segments.length < 2 || RESERVED.contains(segments[0])) {
            throw new IllegalArgumentException("not a blob key: '" + key + "' (it must be inside a folder other than "
                    + RESERVED + ")");
        }
        return key;
    }

    /** A listing prefix: empty, or what a key could start with. */
    static String checkPrefix(String prefix) {
        if (prefix == null || prefix.length() > MAX_LENGTH || prefix.startsWith("/") || prefix.contains("..")
                || prefix.contains("//") || !prefix.chars().allMatch(c -> c == '/' || c < 128 && SEGMENT.matcher(
                String.valueOf((char) c)).matches())) {
            throw new IllegalArgumentException("not a blob key prefix: '" + prefix + "'");
        }
        return prefix;
    }
}
