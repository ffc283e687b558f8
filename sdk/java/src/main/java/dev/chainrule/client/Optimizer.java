package dev.chainrule.client;

/**
 * The update rule of a training job; a null field takes the service's default.
 *
 * @param type         sgd, momentum or adam
 * @param learningRate step size (default 0.001 for adam, 0.01 for sgd and momentum)
 * @param momentum     momentum's coefficient (default 0.9)
 * @param beta1        Adam's first-moment decay (default 0.9)
 * @param beta2        Adam's second-moment decay (default 0.999)
 * @param epsilon      Adam's stability constant (default 1e-8)
 */
public record Optimizer(String type, Double learningRate, Double momentum, Double beta1, Double beta2, Double epsilon) {

    public static Optimizer adam(double learningRate) {
        return new Optimizer("adam", learningRate, null, null, null, null);
    }

    public static Optimizer sgd(double learningRate) {
        return new Optimizer("sgd", learningRate, null, null, null, null);
    }

    public static Optimizer momentum(double learningRate, double momentum) {
        return new Optimizer("momentum", learningRate, momentum, null, null, null);
    }
}
