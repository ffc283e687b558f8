package dev.chainrule.model;

import java.util.regex.Pattern;

/**
 * How a request names a version: by number, by an alias, as "latest", or not at all (the model's default alias if
 * it has one, else the latest). An alias name is never all digits and never "latest", so a name read from a path
 * or a query parameter means one thing only.
 *
 * @param number the version's number, for {@link Kind#NUMBER}
 * @param alias  the alias's name, for {@link Kind#ALIAS}
 */
public record VersionRef(Kind kind, Integer number, String alias) {
    /** The word that names the latest version wherever a version is given; no alias may be called this. */
    public static final String LATEST_WORD = "latest";
    public static final int MAX_ALIAS_LENGTH = 64;
    private static final Pattern ALIAS = Pattern.compile("[a-z0-9][a-z0-9_-]{0," + (MAX_ALIAS_LENGTH - 1) + "}");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    public enum Kind {
        NUMBER, ALIAS, LATEST, DEFAULT
    }

    public static final VersionRef LATEST = new VersionRef(Kind.LATEST, null, null);
    /** Not named: the model's default alias, or the latest version when it has none. */
    public static final VersionRef DEFAULT = new VersionRef(Kind.DEFAULT, null, null);

    public static VersionRef number(int number) {
        return new VersionRef(Kind.NUMBER, number, null);
    }

    public static VersionRef alias(String name) {
        return new VersionRef(Kind.ALIAS, null, name);
    }

    /** The version a number names, or the latest one when it is null (what training's "fromVersion" means). */
    public static VersionRef numberOrLatest(Integer number) {
        return number == null ? LATEST : number(number);
    }

    /**
     * What a version given as text means: digits a number, "latest" the latest, anything else an alias name.
     *
     * @throws IllegalArgumentException saying why, when it is none of them (a number below 1 or too large, a name
     *                                  that breaks the alias rules)
     */
    public static VersionRef parse(String text) {
        if (DIGITS.matcher(text).matches()) {
            int number;
            try {
                number = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("version " + text + " is too large");
            }
            if (number < 1) {
                throw new IllegalArgumentException("versions are numbered from 1, got " + text);
            }
            return number(number);
        }
        if (LATEST_WORD.equals(text)) {
            return LATEST;
        }
        String problem = aliasNameProblem(text);
        if (problem != null) {
            throw new IllegalArgumentException("is neither a version number nor an alias name: " + problem);
        }
        return alias(text);
    }

    /** Why a name cannot be an alias's, or null when it can. */
    public static String aliasNameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "an alias name must not be empty";
        }
        if (name.length() > MAX_ALIAS_LENGTH) {
            return "an alias name has at most " + MAX_ALIAS_LENGTH + " characters, got " + name.length();
        }
        if (DIGITS.matcher(name).matches()) {
            return "'" + name + "' is all digits, which would read as a version number; an alias name needs a letter, '-' or '_'";
        }
        if (LATEST_WORD.equals(name)) {
            return "'latest' always means the latest version; it cannot be an alias name";
        }
        if (!ALIAS.matcher(name).matches()) {
            return "'" + printable(name) + "' is not an alias name: use lowercase letters, digits, '-' and '_', starting with a letter or digit";
        }
        return null;
    }

    private static String printable(String name) {
        String shown = name.length() > MAX_ALIAS_LENGTH ? name.substring(0, MAX_ALIAS_LENGTH) + "..." : name;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NUMBER -> "version " + number;
            case ALIAS -> "alias '" + alias + "'";
            case LATEST -> "the latest version";
            case DEFAULT -> "the default version";
        };
    }
}
