package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.Layer;
import dev.chainrule.engine.kernel.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Maxout (seed 002, "Special cases": y = max_j z_j, dy/dz_i = 1 at the argmax, 0 elsewhere): the fully connected layer
 * before it computes units x pieces values per row, unit u's pieces in columns u*pieces .. u*pieces + pieces - 1, and
 * this layer keeps each unit's largest piece, h_u = max_p z_(u*pieces + p). Backward hands each unit's delta to its
 * winning piece only and 0 to the others; of equal pieces the lowest index wins (a subgradient, as ReLU's at 0). A
 * NaN piece wins, so divergence still shows. No parameters of its own: its weights are the fully connected layer's.
 */
public final class MaxoutLayer implements Layer {
    private final int units;
    private final int pieces;
    private final ReusedArray output = new ReusedArray();
    private final ReusedArray inputGradient = new ReusedArray();
    /** The winning column of each (row, unit) of the last forward pass, row-major. */
    private int[] winners = new int[0];
    private int rows = -1;

    public MaxoutLayer(int units, int pieces) {
        if (units <= 0 || pieces <= 0) {
            throw new IllegalArgumentException("maxout needs positive units and pieces, got " + units + " x " + pieces);
        }
        this.units = units;
        this.pieces = pieces;
    }

    @Override
    public INDArray forward(INDArray z) {
        FullyConnectedLayer.checkWidth(z, (long) units * pieces, "maxout input");
        z = Blas.directlyUsable(z);
        int t = (int) z.rows();
        int width = units * pieces;
        INDArray h = output.get(z.dataType(), t, units);
        winners = winners.length >= t * units ? winners : new int[t * units];
        rows = t;
        // one pass for both types: a float32 piece widens to double exactly, so the comparisons are the same
        double[] zs = z.reshape(z.length()).toDoubleVector();
        double[] hs = new double[t * units];
        for (int u = 0; u < t * units; u++) {
            int first = u * pieces;
            int best = first;
            for (int c = first + 1; c < first + pieces; c++) {
                if (zs[c] > zs[best] && !Double.isNaN(zs[best])) {
                    best = c; // strictly greater: of equal pieces the lowest index stays
                } else if (Double.isNaN(zs[c]) && !Double.isNaN(zs[best])) {
                    best = c;
                }
            }
            winners[u] = best;
            hs[u] = zs[best];
        }
        h.assign(Nd4j.createFromArray(hs).reshape(t, units));
        return h;
    }

    @Override
    public INDArray backward(INDArray delta, boolean needInputGradient) {
        FullyConnectedLayer.checkWidth(delta, units, "maxout output gradient");
        if (delta.rows() != rows) {
            throw new IllegalStateException("backward needs a forward pass on a batch of the same size first");
        }
        if (!needInputGradient) {
            return null;
        }
        delta = Blas.directlyUsable(delta);
        int t = rows;
        INDArray dz = inputGradient.get(delta.dataType(), t, (long) units * pieces);
        double[] d = delta.reshape(delta.length()).toDoubleVector();
        double[] out = new double[t * units * pieces]; // zero but at the winners
        for (int u = 0; u < d.length; u++) {
            out[winners[u]] = d[u];
        }
        dz.assign(Nd4j.createFromArray(out).reshape(t, (long) units * pieces));
        return dz;
    }

    @Override
    public long outputWidth(long inputWidth) {
        return units;
    }

    public int units() {
        return units;
    }

    public int pieces() {
        return pieces;
    }
}
