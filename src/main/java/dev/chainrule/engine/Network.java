package dev.chainrule.engine;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import dev.chainrule.engine.layer.SoftmaxActivation;
import dev.chainrule.engine.loss.CrossEntropyLoss;
import dev.chainrule.engine.loss.Loss;
import dev.chainrule.engine.loss.LossKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A feed-forward network: fully connected layers and activations in turn, and the objective on top.
 * Forward runs the layers in order; backward starts with delta = dJ/d(y-hat) and hands it down through each
 * layer's backward (seed 001's backprop loop), which leaves every weight's and bias's gradient in place.
 *
 * <p>A network keeps per-layer work buffers, so one instance serves one thread at a time. Arrays returned by
 * {@link #forward} are the network's own buffers; {@link #predict} returns a copy.
 */
public final class Network {
    private final NetworkDefinition definition;
    private final DataType dataType;
    private final List<Layer> layers;
    private final List<FullyConnectedLayer> denseLayers;
    private final List<Parameter> parameters;
    private final Loss loss;
    private final double lossEpsilon;
    private boolean fusedSoftmaxCrossEntropy = true;
    /** Whether this network reads another's weights ({@link #replica}): then it computes no parameter gradients. */
    private final boolean replica;
    private INDArray lastOutput;

    private Network(NetworkDefinition definition, DataType dataType, double epsilon) {
        this(definition, dataType, epsilon, null);
    }

    /** With {@code sharedWith}, each fully connected layer reads that network's weights and bias arrays. */
    private Network(NetworkDefinition definition, DataType dataType, double epsilon, Network sharedWith) {
        this.replica = sharedWith != null;
        this.definition = definition;
        this.dataType = dataType;
        List<Layer> all = new ArrayList<>();
        List<FullyConnectedLayer> dense = new ArrayList<>();
        List<Parameter> params = new ArrayList<>();
        int in = definition.inputWidth();
        int index = 1;
        for (LayerSpec spec : definition.layers()) {
            String name = "layer" + index;
            FullyConnectedLayer fc = sharedWith == null
                    ? new FullyConnectedLayer(name, in, spec.linearWidth(), dataType)
                    : FullyConnectedLayer.sharingParameters(name, sharedWith.denseLayers.get(index - 1));
            index++;
            all.add(fc);
            all.add(spec.activationLayer());
            dense.add(fc);
            params.addAll(fc.parameters());
            in = spec.units();
        }
        this.layers = Collections.unmodifiableList(all);
        this.denseLayers = Collections.unmodifiableList(dense);
        this.parameters = Collections.unmodifiableList(params);
        this.loss = definition.loss().create(epsilon);
        this.lossEpsilon = epsilon;
    }

    /** A network with zero parameters, to be filled by {@link #initialise} or from a saved model. */
    public static Network create(NetworkDefinition definition, DataType dataType, double lossEpsilon) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("networks compute in FLOAT or DOUBLE, not " + dataType);
        }
        return new Network(definition, dataType, lossEpsilon);
    }

    /** A float32 network initialised from a seed, with the default loss epsilon. */
    public static Network initialised(NetworkDefinition definition, long seed) {
        Network network = create(definition, DataType.FLOAT, LossKind.DEFAULT_EPSILON);
        network.initialise(seed);
        return network;
    }

    /** Draws fresh weights with the definition's initialiser and zeroes the biases; same seed, same weights. */
    public void initialise(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (FullyConnectedLayer fc : denseLayers) {
            definition.initialiser().fill(fc.weights(), random);
            fc.bias().assign(0);
        }
    }

    /** Runs the layers in order; the result is this network's buffer, valid until the next call. */
    public INDArray forward(INDArray input) {
        // the layers' BLAS calls and loops read a contiguous row-major batch (a row range of one is fine)
        INDArray h = Blas.directlyUsable(input.dataType() == dataType ? input : input.castTo(dataType));
        for (Layer layer : layers) {
            h = layer.forward(h);
        }
        lastOutput = h;
        return h;
    }

    /** The output of the last forward pass (a buffer of this network's), or null before any. */
    public INDArray lastOutput() {
        return lastOutput;
    }

    /** The network's outputs for a batch, as a new array the caller owns. */
    public INDArray predict(INDArray input) {
        return forward(input).dup();
    }

    /**
     * One forward and backward pass for a minibatch: leaves dJ/dtheta in every parameter's gradient and
     * returns the objective's value (mean over rows, without any regularisation penalty).
     */
    public double computeGradients(INDArray input, INDArray target) {
        if (replica) {
            throw new IllegalStateException("a replica computes no parameter gradients: train the network it reads");
        }
        INDArray predicted = forward(input);
        double value = loss.value(predicted, target);
        backward(predicted, target, false);
        return value;
    }

    /**
     * dJ_t/dx_t for each row t: the gradient of each observation's own objective w.r.t. its input
     * (seed 002: "we will also want the derivative w.r.t. the input"). A new T x inputWidth array.
     * Overwrites the parameter gradients (a replica computes none).
     */
    public INDArray inputGradient(INDArray input, INDArray target) {
        INDArray predicted = forward(input);
        INDArray dx = backward(predicted, target, true);
        // the objective is the mean over rows; undo the 1/T to get each row's own derivative
        return dx.mul(predicted.rows());
    }

    private INDArray backward(INDArray predicted, INDArray target, boolean needInputGradient) {
        int last = layers.size() - 1;
        INDArray delta;
        if (fusedSoftmaxCrossEntropy && layers.get(last) instanceof SoftmaxActivation
                && loss instanceof CrossEntropyLoss crossEntropy) {
            // seed 004: softmax and cross-entropy together give dJ/dz = -(e(l) - y-hat)
            delta = crossEntropy.fusedSoftmaxGradient(predicted, target);
            last--;
        } else {
            delta = loss.gradient(predicted, target);
        }
        for (int i = last; i >= 0; i--) {
            delta = layers.get(i).backward(delta, needInputGradient || i > 0);
        }
        return delta;
    }

    /** The objective's mean value over a batch, without regularisation. */
    public double loss(INDArray input, INDArray target) {
        return loss.value(forward(input), target);
    }

    /** Turns the softmax + cross-entropy shortcut off (to compare it with the chained gradient). */
    public void setFusedSoftmaxCrossEntropy(boolean fused) {
        this.fusedSoftmaxCrossEntropy = fused;
    }

    /** Copies of every parameter's value, in {@link #parameters()} order. */
    public List<INDArray> snapshot() {
        List<INDArray> copy = new ArrayList<>(parameters.size());
        for (Parameter p : parameters) {
            copy.add(p.value().dup());
        }
        return copy;
    }

    /** Sets every parameter from a {@link #snapshot()} (or arrays of the same shapes, in the same order). */
    public void restore(List<INDArray> values) {
        if (values.size() != parameters.size()) {
            throw new IllegalArgumentException("expected " + parameters.size() + " arrays, got " + values.size());
        }
        for (int i = 0; i < values.size(); i++) {
            INDArray target = parameters.get(i).value();
            INDArray source = values.get(i);
            if (!java.util.Arrays.equals(target.shape(), source.shape())) {
                throw new IllegalArgumentException(parameters.get(i).name() + ": expected shape "
                        + java.util.Arrays.toString(target.shape()) + ", got " + java.util.Arrays.toString(source.shape()));
            }
            target.assign(source);
        }
    }

    /** A network of the same definition and type whose parameters are copies of this one's. */
    public Network copy() {
        Network copy = create(definition, dataType, lossEpsilon());
        copy.restore(parameters.stream().map(Parameter::value).toList());
        copy.fusedSoftmaxCrossEntropy = fusedSoftmaxCrossEntropy;
        return copy;
    }

    /**
     * A network that reads this one's weights and biases (the same arrays, not copies) with work buffers of its
     * own: for forward passes and input gradients on several threads at once, e.g. predictions. It computes no
     * parameter gradients (so it holds no arrays the size of the weights, and {@link #inputGradient} skips them).
     * The weights stay in the CPU's cache once for all of them: eight copies of an MNIST model made a one-row forward
     * pass several times slower (bench/results/2026-11-22-speed-notes.md). Training the network it reads
     * changes both.
     */
    public Network replica() {
        Network replica = new Network(definition, dataType, lossEpsilon, this);
        replica.fusedSoftmaxCrossEntropy = fusedSoftmaxCrossEntropy;
        return replica;
    }

    /** The stability constant inside the objective's logarithms. */
    public double lossEpsilon() {
        return lossEpsilon;
    }

    public NetworkDefinition definition() {
        return definition;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Layers in forward order: fully connected, activation, fully connected, activation, ... */
    public List<Layer> layers() {
        return layers;
    }

    public List<FullyConnectedLayer> denseLayers() {
        return denseLayers;
    }

    /** Every trainable parameter, layer by layer: layer1.W, layer1.b, layer2.W, ... */
    public List<Parameter> parameters() {
        return parameters;
    }

    public Loss lossFunction() {
        return loss;
    }
}
