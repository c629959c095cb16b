package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.InputRange;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/** The training rows' range recorded in a model, and the clip in front of its dense chain. */
class InputClipTest {

    private static final Path FILE = Path.of("m.onnx");

    /** The chain's input for {@code rows} rows of the graph input, as ONNX Runtime computes it. */
    private static float[] chainInput(OnnxDenseModel model, float[] rows, int n) {
        if (model.chainInputName().equals(model.input().name())) {
            return rows.clone();
        }
        return TestModels.runOrt(ScoringGraph.exposing(model, List.of(model.chainInputName())), model.input(), rows,
                n, rows.length / n, model.chainInputName());
    }

    @ParameterizedTest
    @EnumSource(value = TestModels.Prefix.class, names = {"NONE", "FLATTEN", "SUB_DIV", "SIN"})
    void theWrittenModelClipsTheChainInputAndRecordsTheRange(TestModels.Prefix prefix) {
        ModelProto original = TestModels.dense(4, 8, 6, 3).prefix(prefix).build().model();
        OnnxDenseModel read = DenseChainReader.read(original, FILE);
        int width = read.featuresPerRow() > 0 ? read.featuresPerRow() : 4;
        float[] training = TestModels.randomRows(1, 50, width);
        float[] chain = chainInput(read, training, 50);
        InputRange range = InputRange.of(chain, 50, 4);

        ModelProto clipped = InputClip.apply(original, read.chainInputName(), range, true);

        // Every node of the original is still there, unchanged but for the tensor it reads.
        List<NodeProto> added = clipped.getGraph().getNodeList().stream()
                .filter(n -> n.getName().startsWith("odf2nna_clip")).toList();
        assertEquals(List.of("Max", "Min"), added.stream().map(NodeProto::getOpType).toList());
        assertEquals(original.getGraph().getNodeCount() + 2, clipped.getGraph().getNodeCount());
        assertEquals(read.chainInputName(), added.get(0).getInput(0));
        // Rows far outside the range (every value times 5) give what the same rows held to the range give.
        float[] far = training.clone();
        for (int k = 0; k < far.length; k++) {
            far[k] *= 5;
        }
        OnnxDenseModel reread = DenseChainReader.read(clipped, FILE);
        float[] farOut = TestModels.runOrt(clipped, reread.input(), far, 50, width, reread.outputName());
        float[] heldChain = range.clip(chainInput(read, far, 50), 50);
        float[] expected = read.network().forward(heldChain, 50);
        TestModels.assertClose(TestModels.toDoubles(expected), farOut, 1e-4, "clipped model on far rows");
        // ... and something else than the model without the clip: the test can fail.
        float[] unclipped = TestModels.runOrt(original, read.input(), far, 50, width, read.outputName());
        assertFalse(java.util.Arrays.equals(unclipped, farOut));
        // Rows inside the range are unchanged.
        float[] inside = TestModels.runOrt(clipped, reread.input(), training, 50, width, reread.outputName());
        float[] before = TestModels.runOrt(original, read.input(), training, 50, width, read.outputName());
        TestModels.assertClose(TestModels.toDoubles(before), inside, 1e-6, "clipped model on training rows");

        InputClip.Recorded recorded = InputClip.read(clipped);
        assertEquals(read.chainInputName(), recorded.tensor());
        assertTrue(recorded.clipped());
        assertEquals(range, recorded.range());
        assertNull(InputClip.read(original));
        if (prefix == TestModels.Prefix.NONE) {
            assertEquals(List.of("Max", "Min"), reread.network().prefix().operations());
            assertEquals(InputPrefix.Kind.PREPROCESSING, reread.network().prefix().kind());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestModels.Prefix.class, names = {"NONE"})
    void withoutTheClipOnlyTheRangeIsRecordedAndARecordIsReplaced(TestModels.Prefix prefix) {
        ModelProto original = TestModels.dense(3, 5, 2).prefix(prefix).build().model();
        OnnxDenseModel read = DenseChainReader.read(original, FILE);
        InputRange first = new InputRange(new float[] {-1, 0, 3e-7f}, new float[] {1, 2.5f, 0.001f}, 7);
        InputRange second = new InputRange(new float[] {-2, 0, 0}, new float[] {2, 1, 1}, 9);
        ModelProto recorded = InputClip.apply(InputClip.apply(original, read.chainInputName(), first, false),
                read.chainInputName(), second, false);
        assertEquals(original.getGraph(), recorded.getGraph());
        assertEquals(1, recorded.getMetadataPropsList().stream()
                .filter(e -> e.getKey().equals(InputClip.METADATA_KEY)).count());
        assertEquals(second, InputClip.read(recorded).range());
        assertFalse(InputClip.read(recorded).clipped());
        // The values read back are the floats written, exactly.
        ModelProto one = InputClip.apply(original, read.chainInputName(), first, false);
        assertArrayEquals(first.max(), InputClip.read(one).range().max());
        assertNotEquals(first, second);
    }
}
