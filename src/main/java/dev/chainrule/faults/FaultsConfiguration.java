package dev.chainrule.faults;

import dev.chainrule.config.DatabaseProperties;
import dev.chainrule.config.HttpProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({DatabaseProperties.class, HttpProperties.class})
class FaultsConfiguration {

    /** Static: a post-processor is made before the beans it processes, the datasource among them. */
    @Bean
    static DatabaseTimeouts databaseTimeouts(ObjectProvider<DatabaseProperties> properties) {
        return new DatabaseTimeouts(properties);
    }

    /**
     * The "db" health contributor (readiness includes it), in place of Spring Boot's, which would ask the database
     * while the probe waits: this one answers from the last check.
     */
    @Bean
    DatabaseAvailability dbHealthIndicator(DataSource dataSource, DatabaseProperties properties, Clock clock, MeterRegistry meters) {
        return new DatabaseAvailability(dataSource, properties, clock, meters);
    }

    /** The "storage" health contributor (readiness includes it): DOWN while the object store cannot be reached. */
    @Bean
    StorageAvailability storageHealthIndicator(dev.chainrule.storage.BlobStore store, DatabaseProperties properties,
                                               Clock clock, MeterRegistry meters) {
        return new StorageAvailability(store, properties, clock, meters);
    }

    /**
     * chainrule.http.min-request-data-rate on every connector: a request body that trickles in slower is cut off, so a
     * slow upload cannot hold a request thread. (Idle connections are closed after server.jetty.connection-idle-timeout;
     * headers are parsed without a thread, as they arrive.)
     */
    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> slowClientLimits(HttpProperties properties) {
        long rate = properties.minRequestDataRate().toBytes();
        return factory -> factory.addServerCustomizers(server -> {
            for (Connector connector : server.getConnectors()) {
                HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
                if (http != null) {
                    http.getHttpConfiguration().setMinRequestDataRate(rate);
                }
            }
        });
    }
}
