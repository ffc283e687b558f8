package dev.chainrule.faults;

import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;

/** Tells an error that means "the database cannot be reached" from one of a statement or of the data. */
public final class DatabaseFaults {
    /** SQLSTATE class 08, connection exception; 57P01-57P03: the server is shutting down or starting. */
    private static final String CONNECTION_CLASS = "08";

    private DatabaseFaults() {
    }

    /**
     * Whether {@code error}, or anything that caused it, says the database is unreachable: no connection within the
     * pool's timeout, a connection broken by a restart, a statement that timed out waiting for the server. Such an
     * error says nothing about the request, so it is worth a 503 and a retry. A transaction that could not begin
     * (Spring's CannotCreateTransactionException) is one through its cause.
     */
    public static boolean isOutage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessResourceException
                    || t instanceof RecoverableDataAccessException || t instanceof QueryTimeoutException
                    || t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith(CONNECTION_CLASS) || sql.getSQLState().matches("57P0[123]"))) {
                return true;
            }
        }
        return false;
    }
}
