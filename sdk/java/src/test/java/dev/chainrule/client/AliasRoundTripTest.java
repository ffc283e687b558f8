package dev.chainrule.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Aliases through the client against the real service: promote, predict through one, move it, read its history. */
@ExtendWith(LiveService.Extension.class)
class AliasRoundTripTest {

    private static List<double[]> outputs(Predictions predictions) {
        return predictions.predictions().stream().map(Predictions.Prediction::outputs).toList();
    }

    private static void assertSameOutputs(Predictions expected, Predictions actual) {
        assertEquals(expected.predictions().size(), actual.predictions().size());
        for (int i = 0; i < expected.predictions().size(); i++) {
            assertArrayEquals(outputs(expected).get(i), outputs(actual).get(i), "row " + i);
        }
    }

    @Test
    void aPromotedVersionServesUntilItsAliasMoves(LiveService service, @TempDir Path temp) throws java.io.IOException {
        ChainruleClient chainrule = service.admin();
        Iris iris = Iris.load();
        Model model = chainrule.createModel(Iris.model("iris-aliases"));
        for (int epochs : new int[] {5, 15}) {
            Job job = chainrule.waitForJob(chainrule.train(iris.training(model.id(), epochs)).id(), Duration.ofMinutes(3));
            assertEquals(JobStatus.SUCCEEDED, job.status());
        }
        double[][] rows = {iris.features()[0], iris.features()[70], iris.features()[140]};
        Predictions v1 = chainrule.predict(model.id(), rows, 1);
        Predictions v2 = chainrule.predict(model.id(), rows, 2);
        assertNotEquals(outputs(v1).get(1)[0], outputs(v2).get(1)[0], "the versions differ, so the checks can tell them apart");

        Alias promoted = chainrule.setAlias(model.id(), "production", 1);
        assertEquals(1, promoted.version());
        assertEquals(1, promoted.history().size());
        Model withDefault = chainrule.setDefaultAlias(model.id(), "production");
        assertEquals("production", withDefault.defaultAlias());
        assertEquals(Map.of("production", 1), withDefault.aliases());

        Predictions viaAlias = chainrule.predictWith(model.id(), "production", rows);
        assertEquals(1, viaAlias.version());
        assertEquals("production", viaAlias.alias());
        assertSameOutputs(v1, viaAlias);
        assertSameOutputs(v1, chainrule.predict(model.id(), rows));
        float[] rowMajor = new float[rows.length * 4];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < 4; c++) {
                rowMajor[r * 4 + c] = (float) rows[r][c];
            }
        }
        assertSameOutputs(v1, chainrule.predictWith(model.id(), "production", rowMajor, 4));
        assertSameOutputs(v2, chainrule.predictWith(model.id(), "latest", rows));
        InputGradients gradients = chainrule.inputGradientsWith(model.id(), "production", rows, List.of(0, 1, 2));
        assertEquals(1, gradients.version());
        assertArrayEquals(chainrule.inputGradients(model.id(), rows, List.of(0, 1, 2), 1).gradients()[2],
                gradients.gradients()[2]);

        Alias moved = chainrule.setAlias(model.id(), "production", 2);
        assertEquals(2, moved.version());
        assertSameOutputs(v2, chainrule.predictWith(model.id(), "production", rows));
        assertSameOutputs(v2, chainrule.predict(model.id(), rows));
        assertEquals(2, chainrule.setAlias(model.id(), "staging", "production").version());
        Job continued = chainrule.waitForJob(chainrule.train(TrainRequest.builder(model.id())
                .data(InlineData.ofClasses(iris.features(), iris.classes())).epochs(1).continueFrom("staging").build()).id(),
                Duration.ofMinutes(3));
        assertEquals(2, continued.fromVersion());

        Path byAlias = chainrule.exportVersion(model.id(), "production", temp.resolve("production.chainrule"));
        Path byNumber = chainrule.exportVersion(model.id(), 2, temp.resolve("v2.chainrule"));
        assertArrayEquals(Files.readAllBytes(byNumber), Files.readAllBytes(byAlias));

        Alias shown = chainrule.getAlias(model.id(), "production");
        assertEquals(List.of(1, 2), shown.history().stream().map(Alias.Move::toVersion).toList());
        assertNull(shown.history().get(0).fromVersion());
        assertTrue(shown.history().get(0).movedBy().startsWith("admin-"), shown.history().get(0).movedBy());
        AliasList listed = chainrule.listAliases(model.id());
        assertEquals("production", listed.defaultAlias());
        assertEquals(List.of("production", "staging"), listed.aliases().stream().map(Alias::alias).toList());

        assertThrows(ConflictException.class, () -> chainrule.deleteAlias(model.id(), "production"));
        assertNull(chainrule.clearDefaultAlias(model.id()).defaultAlias());
        chainrule.deleteAlias(model.id(), "production");
        NotFoundException gone = assertThrows(NotFoundException.class, () -> chainrule.predictWith(model.id(), "production", rows));
        assertEquals("version", gone.problem().errors().get(0).field());
        ValidationException badName = assertThrows(ValidationException.class, () -> chainrule.setAlias(model.id(), "Prod", 1));
        assertEquals("alias", badName.problem().errors().get(0).field());
        assertThrows(AccessDeniedException.class, () -> service.reader().setAlias(model.id(), "staging", 1));
        assertEquals(2, service.reader().getAlias(model.id(), "staging").version());
    }
}
