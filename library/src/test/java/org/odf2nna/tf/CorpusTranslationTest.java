package org.odf2nna.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.tf.ops.OnnxTensorValues;
import org.odf2nna.tf.ops.UnsupportedOperatorException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus of models exported by mainstream tools (scripts/corpus/export_corpus.py and raise_opset18.py), each
 * translated and compared with ONNX Runtime within 1e-4. The corpus is committed under
 * {@code library/src/test/resources/corpus/translation} (its README.md names the versions that wrote it);
 * {@code -Dodf2nna.corpus=DIR} or {@code ODF2NNA_CORPUS} names another folder the scripts wrote. It prints one table
 * row per model (the docs/research/graphs.md corpus table).
 */
class CorpusTranslationTest {

    private static final int ROWS = 64;
    private static final double TOLERANCE = 1e-4;
    /** Token ids drawn for integer inputs: the corpus's vocabularies hold at least these, 0 the padding. */
    private static final int IDS = 10;

    static Path corpus() {
        String dir = System.getProperty("odf2nna.corpus", System.getenv("ODF2NNA_CORPUS"));
        return Path.of(dir == null || dir.isBlank() ? "library/src/test/resources/corpus/translation" : dir);
    }

    @Test
    void everyCorpusModelTranslatesWithinOneTenThousandthOfOnnxRuntime() throws IOException {
        Path dir = corpus();
        assertTrue(Files.isDirectory(dir), "the corpus folder " + dir.toAbsolutePath() + " (made by "
                + "scripts/corpus/export_corpus.py and raise_opset18.py)");
        List<Path> models;
        try (Stream<Path> s = Files.list(dir)) {
            models = s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList();
        }
        assertFalse(models.isEmpty(), "no .onnx file in " + dir);
        List<String> failed = new ArrayList<>();
        System.out.println("| model | opset | translates |");
        System.out.println("|---|---|---|");
        for (Path p : models) {
            ModelProto m = OnnxModelFile.read(p);
            String name = p.getFileName().toString();
            String row;
            try {
                TranslationCheck c = TranslationCheck.compare(m, rows(m), ROWS, Device.CPU);
                row = c.within(TOLERANCE) ? String.format(java.util.Locale.ROOT, "yes (largest difference %.2g)",
                        c.largest()) : "no: " + c.describe();
            } catch (UnsupportedOperatorException e) {
                row = "no: stops on " + e.operator() + " (" + e.getMessage() + ")";
            }
            if (!row.startsWith("yes")) {
                failed.add(name + ": " + row);
            }
            System.out.println("| " + name.replaceAll("_op\\d+\\.onnx$", "") + " | " + OnnxTfGraph.opset(m) + " | "
                    + row + " |");
        }
        assertEquals(List.of(), failed);
    }

    /** Random rows for the model's first input: uniform in [-2, 2), or token ids in [0, 10) for integer inputs. */
    private static float[] rows(ModelProto m) {
        ValueInfoProto in = m.getGraph().getInputList().stream()
                .filter(v -> m.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals(v.getName())))
                .findFirst().orElseThrow();
        TensorShapeProto s = in.getType().getTensorType().getShape();
        int width = 1;
        for (int i = 1; i < s.getDimCount(); i++) {
            width *= (int) s.getDim(i).getDimValue();
        }
        if (OnnxTensorValues.isFloating(in.getType().getTensorType().getElemType())) {
            return TestModels.randomRows(3, ROWS, width);
        }
        Random r = new Random(3);
        float[] ids = new float[ROWS * width];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(IDS);
        }
        return ids;
    }
}
