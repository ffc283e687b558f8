package dev.chainrule.engine.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained model as an ONNX model (IR version 7, opset 13) that computes what the service's predict computes:
 * float32 rows in ({@value #INPUT}, batch x inputWidth), the stored standardisation as Sub and Div (not folded into
 * the first layer's weights, which would change the rounding), per layer a Gemm and its activation, float32 outputs
 * out ({@value #OUTPUT}, batch x outputWidth). A float64 network computes in float64 between a Cast in and a Cast
 * out, as predict does. The mapping is in docs/onnx-export.md.
 */
public final class OnnxExport {
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    public static final long IR_VERSION = 7;
    public static final long OPSET = 13;
    private static final String BATCH = "batch";

    private OnnxExport() {
    }

    /**
     * Writes the model as ONNX.
     *
     * @param metadata the model's name, version, metrics and such, as the file's metadata_props (in this order)
     */
    public static void write(TrainedModel model, String graphName, Map<String, String> metadata, OutputStream out)
            throws IOException {
        toProto(model, graphName, metadata).writeTo(out);
        out.flush();
    }

    static ModelProto toProto(TrainedModel model, String graphName, Map<String, String> metadata) {
        Network network = model.network();
        boolean float64 = network.dataType() == DataType.DOUBLE;
        int type = float64 ? TensorProto.DataType.DOUBLE_VALUE : TensorProto.DataType.FLOAT_VALUE;
        GraphProto.Builder graph = GraphProto.newBuilder().setName(graphName)
                .addInput(tensorInfo(INPUT, network.definition().inputWidth()))
                .addOutput(tensorInfo(OUTPUT, network.definition().outputWidth()));
        String h = INPUT;
        if (float64) {
            graph.addNode(node("Cast", "cast_in", List.of(h), "input.float64").addAttribute(intAttribute("to", type)));
            h = "input.float64";
        }
        Standardiser standardiser = model.standardiser();
        if (standardiser != null) {
            // the float32 statistics predict uses on a float32 network; float64 ones on a float64 network
            INDArray mean = float64 ? standardiser.mean() : standardiser.mean().castTo(DataType.FLOAT);
            INDArray std = float64 ? standardiser.std() : standardiser.std().castTo(DataType.FLOAT);
            graph.addInitializer(tensor("standardisation.mean", mean, type));
            graph.addInitializer(tensor("standardisation.std", std, type));
            graph.addNode(node("Sub", "standardise_sub", List.of(h, "standardisation.mean"), "centred"));
            graph.addNode(node("Div", "standardise_div", List.of("centred", "standardisation.std"), "standardised"));
            h = "standardised";
        }
        List<LayerSpec> specs = network.definition().layers();
        List<FullyConnectedLayer> dense = network.denseLayers();
        for (int k = 0; k < specs.size(); k++) {
            String name = "layer" + (k + 1);
            boolean last = k == specs.size() - 1;
            String result = last && !float64 ? OUTPUT : name + ".h";
            h = OnnxLayers.append(graph, name, specs.get(k), dense.get(k), h, result, type);
        }
        if (float64) {
            graph.addNode(node("Cast", "cast_out", List.of(h), OUTPUT)
                    .addAttribute(intAttribute("to", TensorProto.DataType.FLOAT_VALUE)));
        }
        ModelProto.Builder proto = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("chainrule")
                .setDocString("A Chainrule model: float32 rows in '" + INPUT + "' (batch x " + network.definition().inputWidth()
                        + "), the network's outputs in '" + OUTPUT + "' (batch x " + network.definition().outputWidth() + ")")
                .setGraph(graph);
        String version = metadata.get("version");
        if (version != null && version.matches("\\d{1,18}")) {
            proto.setModelVersion(Long.parseLong(version));
        }
        metadata.forEach((key, value) -> proto.addMetadataProps(
                StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return proto.build();
    }

    /** A float32 batch x width tensor with a symbolic batch dimension. */
    private static ValueInfoProto tensorInfo(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    static NodeProto.Builder node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }

    /** An initializer with the array's shape and values, little-endian raw data of the given ONNX type. */
    static TensorProto tensor(String name, INDArray array, int type) {
        INDArray c = array.dup('c');
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : c.shape()) {
            tensor.addDims(d);
        }
        ByteBuffer bytes;
        if (type == TensorProto.DataType.DOUBLE_VALUE) {
            double[] values = c.castTo(DataType.DOUBLE).data().asDouble();
            bytes = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asDoubleBuffer().put(values);
        } else {
            float[] values = c.castTo(DataType.FLOAT).data().asFloat();
            bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
        }
        return tensor.setRawData(ByteString.copyFrom(bytes.array())).build();
    }

    /** A 1-D int64 initializer (shapes for Reshape). */
    static TensorProto int64s(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).setRawData(ByteString.copyFrom(bytes.array())).build();
    }
}
