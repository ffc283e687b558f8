package dev.chainrule.config;

import jakarta.servlet.MultipartConfigElement;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamWriteFeature;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ChainruleProperties.class)
class ServiceConfiguration {

    /** One clock for every timestamp, so tests can reason about time. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * Floats and doubles written by Jackson's own shortest-decimal writer (Schubfach). Java 17's Float.toString,
     * Jackson's default, allocates and takes several times longer: a 128-row predict answer holds 2,560 floats.
     * Either way the decimal reads back as the same float.
     */
    @Bean
    JsonMapperBuilderCustomizer fastNumberWriting() {
        return builder -> builder.enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER);
    }

    /**
     * Multipart uploads (POST /datasets with a form): the servlet container stores parts over a megabyte in the
     * data directory's tmp/ (removed by the orphan sweep once older than chainrule.storage.orphan-grace) rather than
     * in memory, and refuses a request over chainrule.limits.max-dataset-size; spring.servlet.multipart.resolve-lazily
     * leaves other endpoints' bodies unparsed.
     */
    @Bean
    MultipartConfigElement multipartConfigElement(ChainruleProperties properties) {
        long limit = properties.limits().maxDatasetSize().toBytes();
        return new MultipartConfigElement(properties.dataDir().resolve("tmp").toString(), -1, limit, 1 << 20);
    }
}
