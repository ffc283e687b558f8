package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
    @TempDir
    Path root;

    @Test
    void aWrittenFileAppearsWholeUnderItsNameAndLeavesNoTempFile() throws IOException {
        DataDirectory data = new DataDirectory(root);
        String name = data.write("models/m1/v1.model", out -> out.write("weights".getBytes(StandardCharsets.UTF_8)));

        assertThat(name).isEqualTo("models/m1/v1.model");
        assertThat(Files.readString(root.resolve(name))).isEqualTo("weights");
        assertThat(filesUnder("tmp")).isZero();
    }

    @Test
    void aWriterThatFailsLeavesNothingBehind() throws IOException {
        DataDirectory data = new DataDirectory(root);
        assertThatThrownBy(() -> data.write("models/m1/v1.model", out -> {
            out.write(1);
            throw new IOException("disk full");
        })).hasMessage("disk full");

        assertThat(root.resolve("models/m1/v1.model")).doesNotExist();
        assertThat(filesUnder("tmp")).isZero();
    }

    @Test
    void namesOutsideTheDirectoryAreRefused() {
        DataDirectory data = new DataDirectory(root);
        assertThatThrownBy(() -> data.resolve("../elsewhere")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> data.resolve("models/../../x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deletingRemovesTheFileAndItsEmptyDirectoryAndToleratesAMissingFile() throws IOException {
        DataDirectory data = new DataDirectory(root);
        data.write("models/m1/v1.model", out -> out.write(1));
        data.delete("models/m1/v1.model");
        data.delete("models/m1/v1.model");

        assertThat(root.resolve("models/m1")).doesNotExist();
        assertThat(root.resolve("models")).isDirectory();
    }

    private long filesUnder(String dir) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(dir))) {
            return files.count();
        }
    }
}
