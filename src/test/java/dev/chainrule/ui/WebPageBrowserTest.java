package dev.chainrule.ui;

import org.springframework.boot.test.context.SpringBootTest;

/** The web page's session against a service without API keys: nothing asks for a key. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebPageBrowserTest extends WebPageScenario {

    @Override
    String adminKey() {
        return null;
    }

    @Override
    String name() {
        return "open";
    }
}
