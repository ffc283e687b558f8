package dev.chainrule.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.chainrule.config.DatabaseProperties;
import dev.chainrule.config.HttpProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.util.unit.DataSize;

/** chainrule.database.* and chainrule.http.* at their edges, how they reach the pool, and which errors are outages. */
class DatabaseSettingsTest {

    @Test
    void defaultsAndEdges() {
        DatabaseProperties defaults = new DatabaseProperties(null, null, null, null, null);
        assertThat(defaults.connectionTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(defaults.validationTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.socketTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.healthCheckInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        // 250 ms, the pool's own minimum, is allowed (the validation timeout, shorter than the connection timeout); less is refused naming the setting
        assertThat(new DatabaseProperties(Duration.ofMillis(251), Duration.ofMillis(250), null, null, null).connectionTimeout()).hasMillis(251);
        assertThatThrownBy(() -> new DatabaseProperties(Duration.ofMillis(249), Duration.ofMillis(250), null, null, null))
                .hasMessageContaining("chainrule.database.connection-timeout");
        assertThatThrownBy(() -> new DatabaseProperties(Duration.ofSeconds(2), Duration.ofSeconds(2), null, null, null))
                .hasMessageContaining("chainrule.database.validation-timeout");
        assertThatThrownBy(() -> new DatabaseProperties(null, null, Duration.ofSeconds(-1), null, null))
                .hasMessageContaining("chainrule.database.socket-timeout");
        assertThatThrownBy(() -> new DatabaseProperties(null, null, null, Duration.ZERO, null))
                .hasMessageContaining("chainrule.database.health-check-interval");
        assertThatThrownBy(() -> new DatabaseProperties(null, null, null, null, Duration.ofMillis(999)))
                .hasMessageContaining("chainrule.database.retry-after");
        assertThat(new DatabaseProperties(null, null, null, null, Duration.ofSeconds(1)).retryAfter()).hasSeconds(1);
        assertThat(new HttpProperties(null).minRequestDataRate()).isEqualTo(DataSize.ofBytes(128));
        assertThat(new HttpProperties(DataSize.ofBytes(0)).minRequestDataRate().toBytes()).isZero();
        assertThatThrownBy(() -> new HttpProperties(DataSize.ofBytes(-1))).hasMessageContaining("chainrule.http.min-request-data-rate");
    }

    @Test
    void thePoolAndThePostgresDriverGetTheTimeouts() {
        DatabaseProperties settings = new DatabaseProperties(Duration.ofMillis(1500), Duration.ofMillis(700), Duration.ofSeconds(45), null, null);
        try (HikariDataSource postgres = new HikariDataSource()) {
            postgres.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/chainrule");
            DatabaseTimeouts.apply(settings, postgres);
            assertThat(postgres.getConnectionTimeout()).isEqualTo(1500);
            assertThat(postgres.getValidationTimeout()).isEqualTo(700);
            // whole seconds, rounded up: what the driver takes
            assertThat(postgres.getDataSourceProperties()).containsEntry("connectTimeout", "2").containsEntry("loginTimeout", "2")
                    .containsEntry("socketTimeout", "45").containsEntry("tcpKeepAlive", "true");
        }
        try (HikariDataSource h2 = new HikariDataSource()) {
            h2.setJdbcUrl("jdbc:h2:mem:x");
            DatabaseTimeouts.apply(settings, h2);
            assertThat(h2.getConnectionTimeout()).isEqualTo(1500);
            assertThat(h2.getDataSourceProperties()).isEmpty();
        }
    }

    @Test
    void outagesAreToldFromOtherErrors() {
        SQLTransientConnectionException poolTimeout = new SQLTransientConnectionException("Connection is not available, request timed out after 2000ms");
        assertThat(DatabaseFaults.isOutage(new CannotGetJdbcConnectionException("no connection", poolTimeout))).isTrue();
        assertThat(DatabaseFaults.isOutage(new CannotCreateTransactionException("Could not open JDBC Connection", poolTimeout))).isTrue();
        assertThat(DatabaseFaults.isOutage(new RuntimeException(new java.sql.SQLException("terminating connection", "57P01")))).isTrue();
        assertThat(DatabaseFaults.isOutage(new RuntimeException(new java.sql.SQLException("I/O error", "08006")))).isTrue();
        assertThat(DatabaseFaults.isOutage(new DataIntegrityViolationException("duplicate key"))).isFalse();
        assertThat(DatabaseFaults.isOutage(new RuntimeException(new java.sql.SQLException("syntax", "42601")))).isFalse();
        assertThat(StorageFull.isCause(new UncheckedIOException(new IOException("No space left on device")))).isTrue();
        assertThat(StorageFull.isCause(new IOException("Disk quota exceeded"))).isTrue();
        assertThat(StorageFull.isCause(new IOException("Permission denied"))).isFalse();
    }
}
