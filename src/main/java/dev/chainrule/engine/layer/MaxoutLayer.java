package dev.chainrule.engine.layer;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.Layer;
import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.kernel.ReusedArray;
import org.nd4j.linalg.api.ndarray.INDArray;

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
    private final NioView zView = new NioView();
    private final NioView hView = new NioView();
    private final NioView deltaView = new NioView();
    private final NioView dzView = new NioView();
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
        if (Elements.isFloat(z)) {
            float[] zs = new float[t * width];
            float[] hs = new float[t * units];
            zView.floats(z).get(0, zs, 0, zs.length);
            for (int u = 0; u < t * units; u++) {
                int first = u * pieces;
                int best = first;
                for (int c = first + 1; c < first + pieces; c++) {
                    if (zs[c] > zs[best] && !Float.isNaN(zs[best])) {
                        best = c; // strictly greater: of equal pieces the lowest index stays
                    } else if (Float.isNaN(zs[c]) && !Float.isNaN(zs[best])) {
                        best = c;
                    }
                }
                winners[u] = best;
                hs[u] = zs[best];
            }
            hView.floats(h).put(0, hs, 0, hs.length);
        } else {
            double[] zs = new double[t * width];
            double[] hs = new double[t * units];
            zView.doubles(z).get(0, zs, 0, zs.length);
            for (int u = 0; u < t * units; u++) {
                int first = u * pieces;
                int best = first;
                for (int c = first + 1; c < first + pieces; c++) {
                    if (zs[c] > zs[best] && !Double.isNaN(zs[best])) {
                        best = c;
                    } else if (Double.isNaN(zs[c]) && !Double.isNaN(zs[best])) {
                        best = c;
                    }
                }
                winners[u] = best;
                hs[u] = zs[best];
            }
            hView.doubles(h).put(0, hs, 0, hs.length);
        }
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
        if (Elements.isFloat(delta)) {
            float[] d = new float[t * units];
            float[] out = new float[t * units * pieces]; // zero but at the winners
            deltaView.floats(delta).get(0, d, 0, d.length);
            for (int u = 0; u < d.length; u++) {
                out[winners[u]] = d[u];
            }
            dzView.floats(dz).put(0, out, 0, out.length);
        } else {
            double[] d = new double[t * units];
            double[] out = new double[t * units * pieces];
            deltaView.doubles(delta).get(0, d, 0, d.length);
            for (int u = 0; u < d.length; u++) {
                out[winners[u]] = d[u];
            }
            dzView.doubles(dz).put(0, out, 0, out.length);
        }
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
