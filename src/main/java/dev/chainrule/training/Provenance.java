package dev.chainrule.training;

import dev.chainrule.engine.kernel.NioView;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.model.Model;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.info.GitProperties;
import org.springframework.stereotype.Component;

/**
 * What made a version, recorded with it: the job's full settings, the model's seed, the checksum and shape of the
 * rows it trained and validated on, the version it continued from, and the service's version and git commit. The
 * same settings, seed and rows train the same weights (ReproducibilityTest, ProvenanceApiTest).
 */
@Component
class Provenance {
    private final ObjectProvider<BuildProperties> build;
    private final ObjectProvider<GitProperties> git;

    Provenance(ObjectProvider<BuildProperties> build, ObjectProvider<GitProperties> git) {
        this.build = build;
        this.git = git;
    }

    /**
     * @param settings the job's settings as its record keeps them
     * @param spec     the job, for where its rows came from
     * @param raw      the rows as read (before standardisation): training, then validation or null
     */
    Map<String, Object> of(String jobId, JobRepository.Settings settings, TrainingJobSpec spec, Model model, Dataset[] raw) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("jobId", jobId);
        out.put("settings", withoutNulls(JobRepository.JSON.convertValue(settings, Map.class)));
        out.put("seed", model.seed());
        out.put("training", data(spec.training(), raw[0]));
        if (raw[1] != null) {
            // rows held out of the training rows come from where those came from
            out.put("validation", data(spec.validation() instanceof Validation.OwnRows own ? own.rows() : spec.training(),
                    raw[1]));
        }
        if (settings.fromVersion() != null) {
            out.put("continuedFrom", settings.fromVersion());
        }
        Map<String, Object> service = new LinkedHashMap<>();
        BuildProperties b = build.getIfAvailable();
        if (b != null) {
            service.put("version", b.getVersion());
        }
        GitProperties g = git.getIfAvailable();
        if (g != null && g.getCommitId() != null) {
            service.put("commit", g.getCommitId());
        }
        out.put("service", service);
        return out;
    }

    /** A settings map without its unset (null) entries, as every format that carries it writes it. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutNulls(Map<String, Object> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested) {
                out.put(key, withoutNulls((Map<String, Object>) nested));
            } else if (value != null) {
                out.put(key, value);
            }
        });
        return out;
    }

    /**
     * Where rows came from (a stored dataset's id, or inline: sent with the request) and their shape and CRC-32C.
     */
    private static Map<String, Object> data(RowSource source, Dataset rows) {
        String datasetId = source instanceof RowSource.UploadedDataset uploaded ? uploaded.datasetId() : null;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", datasetId != null ? "dataset" : "inline");
        if (datasetId != null) {
            out.put("datasetId", datasetId);
        }
        out.put("rows", rows.size());
        out.put("features", rows.features().columns());
        out.put("targets", rows.targets().columns());
        CRC32C crc = new CRC32C();
        update(crc, rows.features());
        update(crc, rows.targets());
        out.put("crc32c", Long.toHexString(crc.getValue()));
        return out;
    }

    /** Rows checksummed at a time: the whole array is never copied (MNIST's would be 190 MB). */
    private static final int CHUNK_ROWS = 1024;

    /** The array's values as little-endian float32, row by row, a chunk of rows at a time. */
    private static void update(CRC32C crc, INDArray array) {
        ByteBuffer memory = array.dataType() == DataType.FLOAT && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                ? NioView.bytes(array) : null;
        if (memory != null) {
            crc.update(memory); // float32 rows in memory already are those bytes: no copy
            return;
        }
        long rows = array.rows();
        ByteBuffer bytes = null;
        for (long first = 0; first < rows; first += CHUNK_ROWS) {
            INDArray chunk = array.get(NDArrayIndex.interval(first, Math.min(rows, first + CHUNK_ROWS)), NDArrayIndex.all());
            float[] values = chunk.castTo(DataType.FLOAT).dup('c').data().asFloat();
            if (bytes == null || bytes.capacity() < values.length * Float.BYTES) {
                bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            }
            bytes.clear();
            bytes.asFloatBuffer().put(values);
            bytes.limit(values.length * Float.BYTES);
            crc.update(bytes);
        }
    }
}
