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
 * nonzero, a batch when few enough are for the sums over W's nonzero rows to beat the dense GEMM on the same thread
 * ({@link SparseRowForward#pays}; a batch on several threads runs in blocks of rows, one thread each). What the outputs mean is the model's {@link #task()}.
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
    /** This predictor and its siblings that compute a batch's other blocks of rows on other threads. */
    private Predictor[] crew = new Predictor[0];
    /** Rows a thread takes at least when a batch is spread over the calling thread's share. */
    static final int MIN_ROWS_PER_THREAD = 32;
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
        ComputeThreads.predictions(1); // running jobs leave this thread its core meanwhile
        try {
            return predictFloat32(features, rows);
        } finally {
            ComputeThreads.predictions(-1);
        }
    }

    private float[] predictFloat32(float[] features, int rows) {
        boolean sparse = sparseRows != null && sparseRows.pays(features, rows);
        float[] out = new float[rows * outputWidth()];
        // a batch on several threads: each runs the whole forward pass on its block of rows (standardisation and
        // activations included), one hand-over per call instead of one per product
        int parts = Math.max(1, Math.min(ComputeThreads.shareOfCurrentThread(), rows / MIN_ROWS_PER_THREAD));
        if (parts == 1) {
            forwardRows(features, 0, rows, sparse, out);
        } else {
            Predictor[] crew = crew(parts);
            ComputeThreads.runInParts(parts, part -> crew[part].forwardRowsAlone(features, rows * part / parts,
                    rows * (part + 1) / parts, sparse, out));
        }
        return out;
    }

    /** Rows {@code from} to {@code to}'s outputs into their place in {@code out}, computed on this thread. */
    private void forwardRows(float[] features, int from, int to, boolean sparse, float[] out) {
        INDArray output;
        if (sparse) {
            int rows = to - from;
            int n = rows * sparseRows.outputWidth();
            float[] values = firstLayerValues.length >= n ? firstLayerValues : (firstLayerValues = new float[n]);
            sparseRows.firstLayer(features, from, to, values, sparseWork);
            INDArray h = firstLayerOutput.get(DataType.FLOAT, rows, sparseRows.outputWidth());
            firstLayerView.floats(h).put(0, values, 0, n);
            output = forwardFrom(1, h);
        } else {
            output = forwardFrom(0, standardised(features, from, to));
        }
        outputView.floats(output).get(0, out, from * outputWidth(), (int) output.length());
    }

    /** {@link #forwardRows} with this thread's products unsplit: the thread is itself one of a batch's parts. */
    private void forwardRowsAlone(float[] features, int from, int to, boolean sparse, float[] out) {
        int share = ComputeThreads.shareOfCurrentThread();
        ComputeThreads.useShare(1);
        try {
            forwardRows(features, from, to, sparse, out);
        } finally {
            ComputeThreads.useShare(share);
        }
    }

    /** This predictor and siblings for the other parts of a batch, kept for the next call. */
    private Predictor[] crew(int parts) {
        if (crew.length < parts) {
            Predictor[] grown = Arrays.copyOf(crew, parts);
            grown[0] = this;
            for (int p = 1; p < parts; p++) {
                if (grown[p] == null) {
                    grown[p] = sibling();
                }
            }
            crew = grown;
        }
        return crew;
    }

    /** Each row's dJ/dx for its target, w.r.t. the raw inputs (a new rows x inputWidth array). */
    public INDArray inputGradients(INDArray rawFeatures, INDArray targets) {
        return model.inputGradient(rawFeatures, targets);
    }

    /** Rows {@code from} to {@code to} standardised into this predictor's input buffer. */
    private INDArray standardised(float[] features, int from, int to) {
        INDArray x = input.get(DataType.FLOAT, to - from, inputWidth);
        FloatBuffer in = inputView.floats(x);
        if (mean == null) {
            in.put(0, features, from * inputWidth, (to - from) * inputWidth);
            return x;
        }
        for (int r = from; r < to; r++) {
            System.arraycopy(features, r * inputWidth, row, 0, inputWidth);
            for (int c = 0; c < inputWidth; c++) {
                row[c] = (row[c] - mean[c]) / std[c];
            }
            in.put((r - from) * inputWidth, row, 0, inputWidth);
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
}
