package dev.chainrule.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Instants as the database keeps them: TIMESTAMP WITH TIME ZONE holds microseconds (H2 and PostgreSQL alike), so
 * every stored instant is made at that precision, and a row reads back exactly as it was written.
 */
public final class DatabaseTime {
    private DatabaseTime() {
    }

    /** The clock's now, at the database's precision. */
    public static Instant now(Clock clock) {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** An instant as a JDBC parameter (null stays null). */
    public static OffsetDateTime parameter(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    /** A timestamp column as an instant (SQL NULL is null). */
    public static Instant read(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
