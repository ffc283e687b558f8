package dev.chainrule.ui;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The web page for models and jobs: static files under static/ui, served at /ui/ (and / leads there). The page
 * calls the API from the browser, so it needs nothing of the service but the files and their headers
 * ({@link WebPageHeaders}).
 */
@Configuration(proxyBeanMethods = false)
class WebPageConfiguration implements WebMvcConfigurer {

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/", "/ui/");
        registry.addRedirectViewController("/ui", "/ui/");
        registry.addViewController("/ui/").setViewName("forward:/ui/index.html");
    }
}
