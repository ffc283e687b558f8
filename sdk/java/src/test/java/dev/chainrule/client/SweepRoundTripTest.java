package dev.chainrule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Start a sweep on iris, follow its trials to its end, read it strictly, predict through it, delete it. */
@ExtendWith(LiveService.Extension.class)
class SweepRoundTripTest {

    @Test
    void aGridIsFollowedToItsEndAndItsBestPredicts(LiveService service) throws Exception {
        ChainruleClient chainrule = service.admin();
        Iris iris = Iris.load();
        Dataset uploaded = chainrule.uploadDataset(iris.csv(), "iris-sweep");
        SweepRequest request = SweepRequest.builder(Iris.model("iris-sweep"),
                        TrainRequest.forSweep().dataset(uploaded.id()).validationSplit(0.2).epochs(10).batchSize(16)
                                .optimizer(Optimizer.adam(0.01)).build())
                .name("iris widths").vary("units", 4, 8).metric("accuracy").build();
        Sweep created = chainrule.createSweep(request);
        assertEquals(2, created.progress().planned());
        assertEquals("maximize", created.direction());

        List<Integer> ended = new ArrayList<>();
        Sweep done = chainrule.waitForSweep(created.id(), trial -> ended.add(trial.trial()), Duration.ofMinutes(3));
        assertEquals("SUCCEEDED", done.state());
        assertEquals(2, ended.size());
        assertNotNull(done.best());
        for (Sweep.Trial trial : done.trials()) {
            Job job = chainrule.getJob(trial.jobId());
            assertEquals(created.id(), job.sweepId());
            assertEquals(job.finalMetrics().get("accuracy"), trial.metric());
            assertTrue(done.best().metric() >= trial.metric());
        }
        assertEquals(done, RecordsMirrorTheServiceTest.STRICT.readValue(
                RecordsMirrorTheServiceTest.get(service, "/sweeps/" + created.id()), Sweep.class),
                "every field of the service's sweep has a component");
        assertEquals(created.id(), RecordsMirrorTheServiceTest.STRICT.readValue(RecordsMirrorTheServiceTest.get(service,
                "/models/" + done.best().modelId()), Model.class).sweepId());

        Predictions predictions = chainrule.predictWithSweep(created.id(), new double[][] {iris.features()[0]});
        assertEquals(done.best().modelId(), predictions.modelId());
        assertEquals(done.best().version().intValue(), predictions.version());

        chainrule.deleteSweep(created.id());
        assertThrows(NotFoundException.class, () -> chainrule.getSweep(created.id()));
        assertThrows(NotFoundException.class, () -> chainrule.getModel(done.best().modelId()));
        chainrule.deleteDataset(uploaded.id());
    }
}
