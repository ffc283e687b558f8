package dev.chainrule.engine.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import java.util.List;

/** One layer of a network as ONNX nodes: a Gemm with the layer's weights and bias, then its activation's node. */
final class OnnxLayers {
    private OnnxLayers() {
    }

    /**
     * Appends the layer's nodes and initializers, reading {@code input} and writing {@code output}.
     *
     * @return {@code output}
     */
    static String append(GraphProto.Builder graph, String name, LayerSpec spec, FullyConnectedLayer dense, String input,
                         String output, int type) {
        graph.addInitializer(OnnxExport.tensor(name + ".W", dense.weights(), type));
        graph.addInitializer(OnnxExport.tensor(name + ".b", dense.bias(), type));
        if (spec.activation() == Activation.MAXOUT) {
            return maxout(graph, name, spec, input, output);
        }
        String op = switch (spec.activation()) {
            case LINEAR, MAXOUT -> null;
            case RELU -> "Relu";
            case LOGISTIC -> "Sigmoid";
            case TANH -> "Tanh";
            case SOFTMAX -> "Softmax";
        };
        String z = op == null ? output : name + ".z";
        graph.addNode(OnnxExport.node("Gemm", name + "_gemm", List.of(input, name + ".W", name + ".b"), z));
        if (op != null) {
            var node = OnnxExport.node(op, name + "_" + op.toLowerCase(java.util.Locale.ROOT), List.of(z), output);
            if (op.equals("Softmax")) {
                node.addAttribute(OnnxExport.intAttribute("axis", -1));
            }
            graph.addNode(node);
        }
        return output;
    }

    /**
     * Gemm to units x pieces columns, Reshape to [batch, units, pieces] (unit u's pieces are columns u*pieces ..
     * u*pieces + pieces - 1, so the row-major reshape groups them), ReduceMax over the last axis without keeping it
     * (opset 13: axes is an attribute).
     */
    private static String maxout(GraphProto.Builder graph, String name, LayerSpec spec, String input, String output) {
        graph.addInitializer(OnnxExport.int64s(name + ".pieces_shape", 0, spec.units(), spec.pieces()));
        graph.addNode(OnnxExport.node("Gemm", name + "_gemm", List.of(input, name + ".W", name + ".b"), name + ".z"));
        graph.addNode(OnnxExport.node("Reshape", name + "_reshape", List.of(name + ".z", name + ".pieces_shape"), name + ".pieces"));
        graph.addNode(OnnxExport.node("ReduceMax", name + "_reducemax", List.of(name + ".pieces"), output)
                .addAttribute(OnnxExport.intsAttribute("axes", 2))
                .addAttribute(OnnxExport.intAttribute("keepdims", 0)));
        return output;
    }
}
