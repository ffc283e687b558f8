package dev.chainrule;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The service on a random port with API keys on: a read key, an admin key under its default name and an admin key
 * named "release-bot", and at most 2 aliases a model. Every test class of keyed mode carries this annotation, so all
 * of them share one application context (Spring caches it by these properties) instead of starting one each.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.security.api-keys[0].key=" + KeyedService.READ,
        "chainrule.security.api-keys[0].role=READ",
        "chainrule.security.api-keys[1].key=" + KeyedService.ADMIN,
        "chainrule.security.api-keys[1].role=ADMIN",
        "chainrule.security.api-keys[2].key=" + KeyedService.BOT,
        "chainrule.security.api-keys[2].role=ADMIN",
        "chainrule.security.api-keys[2].name=release-bot",
        "chainrule.models.max-aliases=" + KeyedService.MAX_ALIASES})
public @interface KeyedService {
    String READ = "read-key-4f1c2a9e8b7d6c5a";
    String ADMIN = "admin-key-9e8d7c6b5a4f3e2d";
    /** An admin key with a configured name. */
    String BOT = "bot-key-2d8f6a1c9e7b3a5d";
    int MAX_ALIASES = 2;
}
