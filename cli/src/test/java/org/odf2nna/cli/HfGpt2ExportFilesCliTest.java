package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The files of a Hugging Face GPT-2 export swept together ({@code sweep decoder_model.onnx --also
 * decoder_with_past_model.onnx --also decoder_model_merged.onnx}, the tiny fixture of
 * {@code library/src/test/resources/corpus/tiny-hf-gpt2}): each written beside the chosen model with its MLP widths and
 * weights, the heads kept (the cache shapes fix them), computing what the chosen model computes; another model given
 * as such a file is refused before any work.
 */
class HfGpt2ExportFilesCliTest {

    private static final Path FOLDER = Path.of("library/src/test/resources/corpus/tiny-hf-gpt2");

    private static final Path SPLIT = Path.of("cli/src/test/resources/tiny-hf-gpt2-split");

    private static final String[] MLP = {"mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight"};

    @TempDir
    Path dir;

    @Test
    void theWithPastAndMergedFilesAreWrittenWithTheChosenWeights() throws Exception {
        Path main = dir.resolve("decoder_model.onnx");
        CliRun run = CliRun.of("sweep", FOLDER.resolve("decoder_model.onnx").toString(), "--task", "next-token",
                "--train", SPLIT.resolve("train.npz").toString(), "--validation",
                SPLIT.resolve("validation.npz").toString(), "--max-drop", "150", "-o", main.toString(), "--also",
                FOLDER.resolve("decoder_with_past_model.onnx").toString(), "--also",
                FOLDER.resolve("decoder_model_merged.onnx").toString());
        assertEquals(Main.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("attention heads kept") && run.out().contains("decoder_with_past_model.onnx "
                + "([batch, heads, past, head_dim])"), run.out());
        Path past = dir.resolve("decoder_with_past_model.onnx");
        Path merged = dir.resolve("decoder_model_merged.onnx");
        assertTrue(run.out().contains("Wrote  " + past.toAbsolutePath()) && run.out().contains("Wrote  "
                + merged.toAbsolutePath()), run.out());
        Map<String, List<Long>> shapes = shapes(main);
        assertTrue(shapes.entrySet().stream().anyMatch(e -> e.getKey().endsWith(MLP[0]) && e.getValue().get(1) < 128),
                "the MLPs were pruned: " + shapes);
        for (Path written : List.of(past, merged)) {
            Map<String, List<Long>> there = shapes(written);
            for (int layer = 0; layer < 2; layer++) {
                for (String weight : MLP) {
                    String name = "model.transformer.h." + layer + "." + weight;
                    assertEquals(shapes.get(name), there.get(written == merged ? name + "_merged_0" : name),
                            written + " " + name);
                }
                String qkv = "model.transformer.h." + layer + ".attn.c_attn.weight";
                assertEquals(List.of(32L, 96L), there.get(written == merged ? qkv + "_merged_0" : qkv), "heads kept");
            }
        }
        long[][] ids = windows();
        float[] want = logits(main, ids, Map.of());
        assertSame(want, logits(past, ids, emptyCache(ids.length)), "with-past file at past length 0");
        Map<String, long[]> cache = new HashMap<>(emptyCache(ids.length));
        cache.put("use_cache_branch", null);
        assertSame(want, logits(merged, ids, cache), "merged file, use_cache_branch false");
    }

    /** optimum's merged decoder evaluated as it is: its use_cache_branch, which no file holds, fed false. */
    @Test
    void theMergedDecoderIsEvaluatedWithoutItsCache() {
        CliRun eval = CliRun.of("eval", FOLDER.resolve("decoder_model_merged.onnx").toString(),
                FOLDER.resolve("report.npz").toString(), "--task", "next-token");
        assertEquals(Main.OK, eval.exitCode(), eval.toString());
        assertTrue(eval.out().contains("perplexity 3.578 ") && eval.out().contains("accuracy 76.54%"),
                "torch's 3.5780 and 76.54%: " + eval.out());
    }

    @Test
    void anotherModelIsRefusedInOneLineBeforeAnyWork() {
        Path main = dir.resolve("decoder_model.onnx");
        Path other = Path.of("library/src/test/resources/corpus/tiny-gpt/gpt.onnx");
        CliRun run = CliRun.of("sweep", FOLDER.resolve("decoder_model.onnx").toString(), "--task", "next-token",
                "--train", SPLIT.resolve("train.npz").toString(), "--validation",
                SPLIT.resolve("validation.npz").toString(), "-o", main.toString(), "--also", other.toString());
        assertTrue(run.exitCode() != Main.OK, run.toString());
        assertTrue(run.err().contains("gpt.onnx") && run.err().contains("does not hold decoder_model.onnx's "
                + "weights") && run.err().strip().lines().count() == 1, run.err());
        assertFalse(Files.exists(main) || run.out().contains("round"), run.toString());
    }

    @Test
    void aFileThatCannotTakeTheWrittenWeightsIsRefusedAndNoneIsWritten() throws Exception {
        // The with-past file with its first MLP weight also read by a Shape node (an extra output): that weight is
        // read by other nodes there than in decoder_model.onnx, so its new width cannot be carried safely.
        ModelProto past = ModelProto.parseFrom(Files.readAllBytes(FOLDER.resolve("decoder_with_past_model.onnx")));
        String weight = "model.transformer.h.0.mlp.c_fc.weight";
        ModelProto.Builder odd = past.toBuilder();
        odd.getGraphBuilder().addNode(org.odf2nna.onnx.proto.OnnxProto.NodeProto.newBuilder().setOpType("Shape")
                .setName("weight_shape").addInput(weight).addOutput("weight_shape"))
                .addOutput(past.getGraph().getOutput(0).toBuilder().setName("weight_shape").clearType());
        Path given = Files.createDirectories(dir.resolve("given"));
        Path oddFile = Files.write(given.resolve("odd_with_past.onnx"), odd.build().toByteArray());
        Path out = Files.createDirectories(dir.resolve("out"));
        CliRun run = CliRun.of("sweep", FOLDER.resolve("decoder_model.onnx").toString(), "--task", "next-token",
                "--train", SPLIT.resolve("train.npz").toString(), "--validation",
                SPLIT.resolve("validation.npz").toString(), "--max-drop", "150", "--graph-retrain", "sequential",
                "-o", out.resolve("decoder_model.onnx").toString(), "--also",
                FOLDER.resolve("decoder_with_past_model.onnx").toString(), "--also", oddFile.toString());
        assertTrue(run.exitCode() != Main.OK, run.toString());
        List<String> errors = run.err().lines().filter(l -> l.contains("error")).toList();
        assertTrue(errors.size() == 1 && errors.get(0).contains("odd_with_past.onnx") && errors.get(0).contains(
                "'" + weight + "'"), run.err());
        try (java.util.stream.Stream<Path> left = Files.list(out)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertFalse(names.stream().anyMatch(n -> n.contains("with_past") || n.equals("decoder_model.onnx")),
                    "all or none, the main output too: " + names);
        }
        assertTrue(errors.get(0).contains("decoder_model.onnx removed with them"), run.err());
    }

    private static void assertSame(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(worst < 1e-4, what + ": largest difference " + worst);
    }

    private static Map<String, List<Long>> shapes(Path file) throws Exception {
        Map<String, List<Long>> shapes = new HashMap<>();
        for (TensorProto t : ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getInitializerList()) {
            shapes.put(t.getName(), t.getDimsList());
        }
        return shapes;
    }

    /** Four windows of 12 tokens of the vocabulary of 64. */
    private static long[][] windows() {
        Random random = new Random(3);
        long[][] ids = new long[4][12];
        for (long[] row : ids) {
            for (int t = 0; t < row.length; t++) {
                row[t] = random.nextInt(64);
            }
        }
        return ids;
    }

    /** The four cache inputs of past length 0: named here, made in {@link #logits}. */
    private static Map<String, long[]> emptyCache(int batch) {
        Map<String, long[]> cache = new HashMap<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String kind : new String[] {"key", "value"}) {
                cache.put("past_key_values." + layer + "." + kind, new long[] {batch, 2, 0, 16});
            }
        }
        return cache;
    }

    /**
     * The logits of {@code file} on {@code ids} (mask all ones), with {@code extra} inputs: float zeros of the shape
     * given, or use_cache_branch false (a null shape).
     */
    private static float[] logits(Path file, long[][] ids, Map<String, long[]> extra) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[][] mask = new long[ids.length][ids[0].length];
        for (long[] row : mask) {
            java.util.Arrays.fill(row, 1);
        }
        Map<String, OnnxTensor> feed = new HashMap<>();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            feed.put("input_ids", OnnxTensor.createTensor(env, ids));
            feed.put("attention_mask", OnnxTensor.createTensor(env, mask));
            for (Map.Entry<String, long[]> e : extra.entrySet()) {
                feed.put(e.getKey(), e.getValue() == null ? OnnxTensor.createTensor(env, new boolean[] {false})
                        : OnnxTensor.createTensor(env, java.nio.FloatBuffer.allocate(0), e.getValue()));
            }
            try (OrtSession.Result result = session.run(feed)) {
                OnnxTensor out = (OnnxTensor) result.get("logits").orElseThrow();
                java.nio.FloatBuffer values = out.getFloatBuffer();
                float[] all = new float[values.remaining()];
                values.get(all);
                return all;
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }
}
