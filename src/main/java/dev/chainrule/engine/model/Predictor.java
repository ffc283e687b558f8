package dev.chainrule.engine.model;

import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Layer;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.kernel.ReusedArray;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained model's outputs for rows of raw inputs, the way the service serves them: the stored standardisation in
 * float32 ((x - mean) / std, as {@link Standardiser#apply} computes it on a float32 network), then the layers in
 * order. Rows that are mostly exact zeros (an image's background, one-hot codes) start with {@link SparseRowForward}
 * instead of the standardisation and the first layer's dense product: a lone row when at most half its inputs are
 * nonzero, a batch when few enough are for the sums over W's nonzero rows on this thread to beat the dense GEMM on
 * OpenBLAS's threads ({@link SparseRowForward#pays}). What the outputs mean is the model's {@link #task()}.
 *
 * <p>A predictor keeps work buffers (a network replica's, and the standardised input), so it serves one thread at a
 * time; {@link #sibling()} makes another for another thread, reading the same weights (not copies).
 */
public final class Predictor {
    /** A replica of the version's network (never the version's own: a served version's key must stay collectable). */
    private final TrainedModel model;
    private final List<Layer> layers;
    private final Task task;
    /** The first layer for rows that are mostly zeros, shared by siblings (null where it would never pay). */
    private final SparseRowForward sparseRows;
    /** Float32 standardisation (null without one, or for a float64 network, which standardises as it computes). */
    private final float[] mean;
    private final float[] std;
    private final int inputWidth;

    private final ReusedArray input = new ReusedArray();
    private final NioView inputView = new NioView();
    private final NioView outputView = new NioView();
    /** One row being standardised: the JIT vectorises the loop only when every array is indexed alike. */
    private final float[] row;
    private final SparseRowForward.Work sparseWork;
    /** Work arrays for the parts of a batch's sparse first layer, one per part (the first is sparseWork). */
    private SparseRowForward.Work[] partWorks = new SparseRowForward.Work[0];
    /** Rows a thread takes at least when a batch's sparse first layer is spread over a share. */
    static final int MIN_SPARSE_ROWS_PER_THREAD = 16;
    /** The first layer's outputs from the sparse path, rows x its width (grown to the largest batch seen). */
    private float[] firstLayerValues = new float[0];
    private final ReusedArray firstLayerOutput = new ReusedArray();
    private final NioView firstLayerView = new NioView();

    private Predictor(TrainedModel version, SparseRowForward sparseRows) {
        this.model = new TrainedModel(version.network().replica(), version.standardiser());
        this.layers = model.network().layers();
        this.task = Task.of(version.network().definition());
        this.sparseRows = sparseRows;
        Standardiser standardiser = version.standardiser();
        boolean float32 = version.network().dataType() == DataType.FLOAT;
        this.mean = standardiser == null || !float32 ? null : standardiser.meanFloat32();
        this.std = standardiser == null || !float32 ? null : standardiser.stdFloat32();
        this.inputWidth = version.network().definition().inputWidth();
        this.row = new float[inputWidth];
        this.sparseWork = sparseRows == null ? null : sparseRows.newWork();
    }

    /** A predictor for a trained version; it reads the version's weights, which must not change meanwhile. */
    public static Predictor of(TrainedModel version) {
        return new Predictor(version, SparseRowForward.of(version));
    }

    /** Another predictor of the same version, with buffers of its own, for another thread. */
    public Predictor sibling() {
        return new Predictor(model, sparseRows);
    }

    /** What the outputs mean. */
    public Task task() {
        return task;
    }

    public int inputWidth() {
        return inputWidth;
    }

    public int outputWidth() {
        return model.network().definition().outputWidth();
    }

    /**
     * Outputs for {@code rows} rows of raw inputs given row-major in {@code features} (rows x inputWidth; it may be
     * longer), as a new row-major float32 array (rows x outputWidth); {@code features} is left as it was. One copy in,
     * one copy out, and no native allocation once the buffers for this many rows exist.
     */
    public float[] predict(float[] features, int rows) {
        if (features.length < (long) rows * inputWidth) {
            throw new IllegalArgumentException(rows + " rows of " + inputWidth + " inputs need " + (long) rows * inputWidth
                    + " values, got " + features.length);
        }
        Network network = model.network();
        if (network.dataType() != DataType.FLOAT) {
            float[] values = features.length == rows * inputWidth ? features : Arrays.copyOf(features, rows * inputWidth);
            INDArray outputs = model.predict(Nd4j.create(values, new long[] {rows, inputWidth}, 'c'));
            return outputs.castTo(DataType.FLOAT).data().asFloat();
        }
        int share = ComputeThreads.shareOfCurrentThread();
        // the sparse first layer's rows are independent: a batch spreads them over the share, so the threads do not
        // change which path pays
        int parts = Math.max(1, Math.min(share, rows / MIN_SPARSE_ROWS_PER_THREAD));
        if (sparseRows != null && sparseRows.pays(features, rows, 1)) {
            int n = rows * sparseRows.outputWidth();
            float[] values = firstLayerValues.length >= n ? firstLayerValues : (firstLayerValues = new float[n]);
            if (parts == 1) {
                sparseRows.firstLayer(features, rows, values, sparseWork);
            } else {
                SparseRowForward.Work[] works = sparseWorks(parts);
                ComputeThreads.runInParts(parts, part -> sparseRows.firstLayer(features, rows * part / parts,
                        rows * (part + 1) / parts, values, works[part]));
            }
            INDArray h = firstLayerOutput.get(DataType.FLOAT, rows, sparseRows.outputWidth());
            firstLayerView.floats(h).put(0, values, 0, n);
            return copyOut(forwardFrom(1, h));
        }
        return copyOut(forwardFrom(0, standardised(features, rows)));
    }

    /** Each row's dJ/dx for its target, w.r.t. the raw inputs (a new rows x inputWidth array). */
    public INDArray inputGradients(INDArray rawFeatures, INDArray targets) {
        return model.inputGradient(rawFeatures, targets);
    }

    private SparseRowForward.Work[] sparseWorks(int parts) {
        if (partWorks.length < parts) {
            SparseRowForward.Work[] grown = java.util.Arrays.copyOf(partWorks, parts);
            grown[0] = sparseWork;
            for (int p = 1; p < parts; p++) {
                if (grown[p] == null) {
                    grown[p] = sparseRows.newWork();
                }
            }
            partWorks = grown;
        }
        return partWorks;
    }

    /** The rows standardised into this predictor's input buffer. */
    private INDArray standardised(float[] features, int rows) {
        INDArray x = input.get(DataType.FLOAT, rows, inputWidth);
        FloatBuffer in = inputView.floats(x);
        if (mean == null) {
            in.put(0, features, 0, rows * inputWidth);
            return x;
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(features, r * inputWidth, row, 0, inputWidth);
            for (int c = 0; c < inputWidth; c++) {
                row[c] = (row[c] - mean[c]) / std[c];
            }
            in.put(r * inputWidth, row, 0, inputWidth);
        }
        return x;
    }

    /** The layers from index {@code first} on (each fully connected layer, then its activation), given h before it. */
    private INDArray forwardFrom(int first, INDArray h) {
        for (int k = first; k < layers.size(); k++) {
            h = layers.get(k).forward(h);
        }
        return h;
    }

    private float[] copyOut(INDArray output) {
        float[] out = new float[(int) output.length()];
        outputView.floats(output).get(0, out, 0, out.length);
        return out;
    }
}
