package dev.chainrule.engine.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import dev.chainrule.engine.LayerSpec;
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
        String op = switch (spec.activation()) {
            case LINEAR -> null;
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
}
