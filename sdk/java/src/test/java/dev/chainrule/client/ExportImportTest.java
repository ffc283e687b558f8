package dev.chainrule.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Export a trained version to a file and import it as a new model that predicts the same, against the real service. */
@ExtendWith(LiveService.Extension.class)
class ExportImportTest {

    @Test
    void anImportedVersionPredictsExactlyAsTheExportedOne(LiveService service, @TempDir Path temp) throws IOException {
        ChainruleClient chainrule = service.admin();
        Iris iris = Iris.load();
        Model model = chainrule.createModel(Iris.model("iris"));
        Job job = chainrule.waitForJob(chainrule.train(iris.training(model.id(), 10)).id(),
                Duration.ofMinutes(3));
        assertEquals(JobStatus.SUCCEEDED, job.status());

        Path exported = chainrule.exportVersion(model.id(), 1, temp);
        assertEquals(temp.resolve("iris-v1.chainrule"), exported, "the name the service gives it, in the directory");
        assertTrue(Files.size(exported) > 0);
        try (var leftovers = Files.list(temp)) {
            assertEquals(1, leftovers.count(), "no partial file is left beside it");
        }
        Path named = chainrule.exportVersion(model.id(), 1, temp.resolve("copy.bin"));
        assertArrayEquals(Files.readAllBytes(exported), Files.readAllBytes(named), "the same version, the same bytes");

        Model imported = chainrule.importModel(exported);
        assertNotEquals(model.id(), imported.id());
        assertEquals(1, imported.versions().size());
        assertEquals(1, imported.latestVersion());
        assertEquals(model.layers(), imported.layers());
        assertEquals(model.loss(), imported.loss());

        Predictions original = chainrule.predict(model.id(), iris.features(), 1);
        Predictions copy = chainrule.predict(imported.id(), iris.features(), 1);
        for (int i = 0; i < iris.features().length; i++) {
            assertArrayEquals(original.predictions().get(i).outputs(), copy.predictions().get(i).outputs(), 0.0,
                    "row " + i + " predicts exactly the same");
        }

        Model renamed = chainrule.importModel(exported, "iris copy");
        assertEquals("iris copy", renamed.name());
    }

    /** The same version as ONNX: the name the service gives it, and an ONNX protobuf of IR version 7 inside. */
    @Test
    void aVersionExportsAsOnnx(LiveService service, @TempDir Path temp) throws IOException {
        ChainruleClient chainrule = service.admin();
        Iris iris = Iris.load();
        Model model = chainrule.createModel(Iris.model("iris"));
        Job job = chainrule.waitForJob(chainrule.train(iris.training(model.id(), 3)).id(), Duration.ofMinutes(3));
        assertEquals(JobStatus.SUCCEEDED, job.status());

        Path onnx = chainrule.exportVersion(model.id(), 1, temp, ExportFormat.ONNX);
        assertEquals(temp.resolve("iris-v1.onnx"), onnx);
        byte[] bytes = Files.readAllBytes(onnx);
        // ModelProto's field 1 (ir_version, a varint) comes first: tag 0x08, then 7
        assertArrayEquals(new byte[] {0x08, 0x07}, java.util.Arrays.copyOf(bytes, 2));
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("Gemm") && text.contains("Softmax") && text.contains("output"), "an ONNX graph of the network");
        Path native_ = chainrule.exportVersion(model.id(), 1, temp, ExportFormat.NATIVE);
        assertEquals(temp.resolve("iris-v1.chainrule"), native_);
    }

    @Test
    void exportAndImportErrorsAreTyped(LiveService service, @TempDir Path temp) throws IOException {
        ChainruleClient chainrule = service.admin();
        Model untrained = chainrule.createModel(Iris.model("iris-never-trained"));
        // a model with no version at all is a state conflict (train it first), not a missing resource
        ConflictException noVersion = assertThrows(ConflictException.class, () -> chainrule.exportVersion(untrained.id(), 1, temp));
        assertEquals(409, noVersion.status());
        assertEquals("/problems/model-not-trained", noVersion.type());
        assertThrows(NotFoundException.class, () -> chainrule.exportVersion("c0ffee00-0000-4000-8000-000000000000", 1, temp));
        try (var files = Files.list(temp)) {
            assertEquals(0, files.count(), "a failed export writes no file");
        }

        Path garbage = Files.writeString(temp.resolve("garbage.chainrule"), "this is not a model file");
        ValidationException refused = assertThrows(ValidationException.class, () -> chainrule.importModel(garbage));
        assertEquals(400, refused.status());
        assertEquals("/problems/invalid-request", refused.type());
        assertEquals("body", refused.errors().get(0).field());
        assertTrue(refused.errors().get(0).reason().startsWith("is not a Chainrule model file"), refused.toString());
    }
}
