package dev.chainrule;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Chainrule: trains feed-forward networks by hand-written backpropagation and serves them over HTTP. */
@SpringBootApplication
public class ChainruleApplication {

    public static void main(String[] args) {
        SpringApplication.run(ChainruleApplication.class, args);
    }
}
