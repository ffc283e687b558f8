package dev.chainrule.api.problem;

import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Jetty's error pages, server-wide, as problem details ({@link ContainerErrorHandler}). */
@Configuration(proxyBeanMethods = false)
class ContainerErrorConfiguration {

    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> problemErrorPages() {
        return factory -> factory.addServerCustomizers(server -> server.setErrorHandler(new ContainerErrorHandler()));
    }
}
