package dev.chainrule.faults;

import com.zaxxer.hikari.HikariDataSource;
import dev.chainrule.config.DatabaseProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Gives the connection pool (and the PostgreSQL driver under it) the timeouts of {@code chainrule.database.*}, so
 * that while the database is down a request waits for a connection at most connection-timeout, never the pool's
 * default 30 s. Applied after Spring Boot has bound {@code spring.datasource.hikari.*} and before the pool starts
 * (it starts at the first connection, lazily).
 */
class DatabaseTimeouts implements BeanPostProcessor {
    private final ObjectProvider<DatabaseProperties> properties;

    DatabaseTimeouts(ObjectProvider<DatabaseProperties> properties) {
        this.properties = properties;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool) {
            apply(properties.getObject(), pool);
        }
        return bean;
    }

    static void apply(DatabaseProperties settings, HikariDataSource pool) {
        pool.setConnectionTimeout(settings.connectionTimeout().toMillis());
        pool.setValidationTimeout(settings.validationTimeout().toMillis());
        String url = pool.getJdbcUrl();
        if (url != null && url.startsWith("jdbc:postgresql:")) {
            // the driver's own defaults wait 10 s to connect and forever for an answer
            String connect = Integer.toString(DatabaseProperties.seconds(settings.connectionTimeout()));
            pool.addDataSourceProperty("connectTimeout", connect);
            pool.addDataSourceProperty("loginTimeout", connect);
            pool.addDataSourceProperty("socketTimeout", settings.socketTimeout().isZero() ? "0"
                    : Integer.toString(DatabaseProperties.seconds(settings.socketTimeout())));
            pool.addDataSourceProperty("tcpKeepAlive", "true");
        }
    }
}
