package dev.chainrule.engine.training;

import static dev.chainrule.engine.training.TrainerFixtures.manualStep;
import static dev.chainrule.engine.training.TrainerFixtures.maxDifference;
import static dev.chainrule.engine.training.TrainerFixtures.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.TestArrays;
import dev.chainrule.engine.optim.OptimiserSettings;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Training with L1 and L2 (seed 003: Delta = -grad l - lambda grad Omega): the step includes the penalty's
 * gradient on weights only, and the reported training and validation losses include the penalty itself,
 * both checked against hand computations on a float64 network (full batch, no shuffle).
 */
class TrainerRegularisationTest {
    private static final int N = 12;
    private static final double LR = 0.1;
    private static final double L1 = 0.01;
    private static final double L2 = 0.05;

    /** l2 sum W^2 + l1 sum |W| over weights, in plain Java. */
    private static double penalty(Network network) {
        double total = 0;
        for (Parameter p : network.parameters()) {
            if (!p.regularised()) {
                continue;
            }
            for (double[] row : TestArrays.java(p.value())) {
                for (double w : row) {
                    total += L2 * w * w + L1 * Math.abs(w);
                }
            }
        }
        return total;
    }

    @Test
    void stepIncludesThePenaltyGradientAndLossesIncludeThePenalty() {
        double[][][] xy = TrainerFixtures.regressionData(N, 181);
        double[][][] validationXy = TrainerFixtures.regressionData(7, 182);
        Network trained = TrainerFixtures.regressionNetwork(DataType.DOUBLE, 183);
        Network manual = trained.copy();
        double lossBefore = manualStep(manual, xy[0], xy[1], LR, L1, L2);

        TrainingConfig config = TrainingConfig.of(1, N, OptimiserSettings.sgd(LR), 1).withShuffle(false)
                .withRegularisation(L1, L2);
        TrainingResult result = new Trainer(trained, config).fit(TrainerFixtures.dataset(xy, DataType.DOUBLE),
                TrainerFixtures.dataset(validationXy, DataType.DOUBLE), TrainingListener.NONE, () -> false);

        assertThat(result.outcome()).isEqualTo(TrainingOutcome.COMPLETED);
        assertThat(maxDifference(values(trained), values(manual))).isLessThanOrEqualTo(1e-15);

        // training loss: the batch objective (at the weights it was computed with) + the penalty at the end
        double penaltyAfter = penalty(manual);
        assertThat(penaltyAfter).isGreaterThan(0.01);
        assertThat(result.lastEpoch().trainingLoss()).isCloseTo(lossBefore + penaltyAfter, within(1e-13));

        // validation loss: the objective on the validation data at the end + the same penalty
        double validationObjective = manual.loss(TestArrays.nd(validationXy[0]), TestArrays.nd(validationXy[1]));
        assertThat(result.lastEpoch().validationLoss()).isCloseTo(validationObjective + penaltyAfter, within(1e-13));
    }

    @Test
    void withoutRegularisationTheReportedLossIsTheObjectiveAlone() {
        double[][][] xy = TrainerFixtures.regressionData(N, 184);
        Network trained = TrainerFixtures.regressionNetwork(DataType.DOUBLE, 185);
        double lossBefore = trained.loss(TestArrays.nd(xy[0]), TestArrays.nd(xy[1]));
        TrainingConfig config = TrainingConfig.of(1, N, OptimiserSettings.sgd(LR), 1).withShuffle(false);
        TrainingResult result = new Trainer(trained, config).fit(TrainerFixtures.dataset(xy, DataType.DOUBLE));
        assertThat(result.lastEpoch().trainingLoss()).isCloseTo(lossBefore, within(1e-15));
    }
}
