package dev.chainrule.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The service on a random port with limits small enough to test at their edges with tiny requests, one
 * training worker and a queue of two. Every test class carrying this annotation shares one application
 * context (Spring caches it by these properties); the figures are repeated as constants in
 * {@link ApiTestSupport} for the assertions.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.jobs.workers=1",
        "chainrule.jobs.queue-capacity=2",
        "chainrule.limits.max-request-size=64KB",
        "chainrule.limits.max-layer-width=64",
        "chainrule.limits.max-layers=4",
        "chainrule.limits.max-parameters=500",
        "chainrule.limits.max-inline-rows=2000",
        "chainrule.limits.max-predict-rows=20",
        "chainrule.limits.max-epochs=1000",
})
@interface ConstrainedService {
}
