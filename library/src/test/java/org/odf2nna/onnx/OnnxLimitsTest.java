package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Models larger than memory or than protobuf allows, and graphs that would send a reader round in
 * circles: each is refused with a message that names the file, or read, never an OutOfMemoryError or a
 * hang. Files of several GB are sparse (no disk space is used).
 */
class OnnxLimitsTest {

    @TempDir
    Path dir;

    static final long GIB = 1L << 30;

    @Test
    void anOnnxFileOf2GiBOrMoreIsRefusedBeforeItIsRead() throws IOException {
        Path big = sparse(dir.resolve("big.onnx"), 2 * GIB + 10);
        InputException e = assertThrows(InputException.class, () -> OnnxModelFile.read(big));
        assertTrue(e.getMessage().startsWith(big + ": is 2147483658 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("2 GiB") && e.getMessage().contains("external data"), e.getMessage());
    }

    @Test
    void externalDataBeyond4GiBIntoItsFileIsRead() throws IOException {
        // A data file of 5 GiB (sparse) holding fc1's weights at offset 4.5 GiB: offsets are longs throughout.
        ModelProto m = TestModels.dense(2, 3, 2).build().model();
        TensorProto w = TestModels.initializer(m, "fc1.weight");
        long offset = 4 * GIB + GIB / 2;
        Path data = sparse(dir.resolve("weights.bin"), 5 * GIB);
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.WRITE)) {
            channel.write(w.getRawData().asReadOnlyByteBuffer(), offset);
        }
        Path model = save(external(m, "fc1.weight", "weights.bin", offset, w.getRawData().size()), "model.onnx");

        OnnxDenseModel read = DenseChainReader.read(model);
        OnnxDenseModel inline = DenseChainReader.read(m, model);
        assertArrayEquals(inline.network().layer(0).weights(), read.network().layer(0).weights());
    }

    @Test
    void anExternalTensorLargerThanTheHeapIsRefusedWithTheMemoryItNeeds() throws IOException {
        // Shape [rows, 2^15] of floats: more values than the heap can hold, all present in a sparse file.
        long heap = Runtime.getRuntime().maxMemory();
        long values = heap / 4 + (1 << 20);
        assumeTrue(values < OnnxTensors.MAX_VALUES, "skipped: the heap is larger than the biggest Java array");
        long columns = 1 << 15;
        long rows = (values + columns - 1) / columns;
        ModelProto m = TestModels.dense(2, 3, 2).build().model();
        Path data = sparse(dir.resolve("weights.bin"), rows * columns * 4);
        TensorProto w = TestModels.initializer(m, "fc1.weight").toBuilder().clearDims().addDims(rows).addDims(columns)
                .build();
        ModelProto huge = replace(m, w);
        Path model = save(external(huge, "fc1.weight", "weights.bin", 0, rows * columns * 4), "model.onnx");

        InputException e = assertThrows(InputException.class, () -> DenseChainReader.read(model));
        assertTrue(e.getMessage().startsWith(model + ": weight 'fc1.weight' of node 'fc1' (Gemm): its "), e.getMessage());
        assertTrue(e.getMessage().contains("MB of memory") && e.getMessage().contains("JAVA_OPTS=-Xmx"), e.getMessage());
    }

    @Test
    void aTensorOver2GiBOfExternalDataCannotBeInlined() throws IOException {
        ModelProto m = TestModels.dense(2, 3, 2).build().model();
        sparse(dir.resolve("weights.bin"), 3 * GIB);
        TensorProto t = TensorProto.newBuilder().setName("big").setDataType(TensorProto.DataType.UINT8_VALUE)
                .addDims(3 * GIB).build();
        InputException e = assertThrows(InputException.class, () -> ExternalData.read(
                TestModels.initializer(external(replace(m, t.toBuilder().build(), true), "big", "weights.bin", 0,
                        3 * GIB), "big"), dir.resolve("model.onnx"), "initializer 'big'"));
        assertTrue(e.getMessage().contains("initializer 'big'") && e.getMessage().contains("2 GiB"), e.getMessage());
    }

    @Test
    void aPrunedModelTooLargeForOneProtobufIsRefusedBeforeWriting() {
        ModelProto m = TestModels.dense(4, 8, 3).build().model();
        Path out = dir.resolve("out.onnx");
        ExternalData.checkFitsOneMessage(m, out, 1000); // 4*8 + 8 + 8*3 + 3 floats = 268 bytes: fits
        InputException e = assertThrows(InputException.class, () -> ExternalData.checkFitsOneMessage(m, out, 200));
        assertTrue(e.getMessage().startsWith(out + ": would hold 268 bytes of weights"), e.getMessage());
    }

    @Test
    void externalTensorsOutsideTheChainAreInlinedWhenWritingToAnotherFolder() throws IOException {
        ModelProto m = TestModels.dense(2, 3, 2).prefix(TestModels.Prefix.SUB_DIV).build().model();
        TensorProto mean = TestModels.initializer(m, "norm.mean");
        Files.write(dir.resolve("mean.bin"), mean.getRawData().toByteArray());
        ModelProto ext = external(m, "norm.mean", "mean.bin", 0, mean.getRawData().size());
        Path source = dir.resolve("model.onnx");

        ModelProto sameFolder = ExternalData.forOutput(ext, source, dir.resolve("small.onnx"));
        assertTrue(ExternalData.hasExternalData(sameFolder), "same folder: the reference stays valid and is kept");

        ModelProto elsewhere = ExternalData.forOutput(ext, source, dir.resolve("sub/small.onnx"));
        assertFalse(ExternalData.hasExternalData(elsewhere));
        assertEquals(mean.getRawData(), TestModels.initializer(elsewhere, "norm.mean").getRawData());
    }

    @Test
    void aCyclicGraphIsRefusedNamingANodeOnTheCycle() {
        ModelProto m = TestModels.dense(2, 3, 3, 2).build().model();
        GraphProto.Builder g = m.getGraph().toBuilder();
        // fc1 now reads h2: fc1 -> act1 -> fc2 -> act2 -> fc1.
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals("fc1")) {
                g.setNode(i, g.getNode(i).toBuilder().setInput(0, "h2"));
            }
        }
        Path file = dir.resolve("cycle.onnx");
        InputException e = assertThrows(InputException.class,
                () -> DenseChainReader.read(m.toBuilder().setGraph(g).build(), file));
        assertTrue(e.getMessage().startsWith(file + ": node '"), e.getMessage());
        assertTrue(e.getMessage().contains("is on a cycle"), e.getMessage());
    }

    @Test
    void aNodeWithTooFewInputsIsRefusedNamingIt() {
        // The fuzzer's first finding: an activation without inputs made the reader index past the list.
        ModelProto m = TestModels.dense(2, 3, 2).build().model();
        GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (n.getName().equals("act1")) {
                g.setNode(i, n.toBuilder().clearInput());
            }
        }
        Path file = dir.resolve("m.onnx");
        InputException e = assertThrows(InputException.class,
                () -> DenseChainReader.read(m.toBuilder().setGraph(g).build(), file));
        assertEquals(file + ": node 'act1' (Relu): has 0 inputs; Relu takes at least 1 (not a valid ONNX node)",
                e.getMessage());
    }

    @Test
    void deeplyNestedProtobufIsRefusedAsNotAnOnnxModel() {
        // graph > node > attribute > graph > node > ... 181 levels: protobuf's recursion limit (100) stops it.
        byte[] inner = new byte[0];
        for (int level = 0; level < 60; level++) {
            inner = lengthDelimited(6, inner); // AttributeProto.g
            inner = lengthDelimited(5, inner); // NodeProto.attribute
            inner = lengthDelimited(1, inner); // GraphProto.node
        }
        byte[] model = lengthDelimited(7, inner); // ModelProto.graph
        Path file = dir.resolve("deep.onnx");
        InputException e = assertThrows(InputException.class, () -> OnnxModelFile.parse(model, file));
        assertTrue(e.getMessage().startsWith(file + ": is not an ONNX model"), e.getMessage());
    }

    @Test
    void lengthsClaimingAGigabyteInASmallFileAreATruncatedFile() throws IOException {
        // ModelProto.graph > GraphProto.initializer > TensorProto.raw_data, each announcing ~2^30 bytes, then
        // 10 bytes: nothing of that size may be allocated up front.
        long gib = 1L << 30;
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put((byte) (7 << 3 | 2)).put(varint(gib + 20));
        b.put((byte) (5 << 3 | 2)).put(varint(gib + 10));
        b.put((byte) (9 << 3 | 2)).put(varint(gib));
        b.put(new byte[10]);
        Path file = Files.write(dir.resolve("claims.onnx"), java.util.Arrays.copyOf(b.array(), b.position()));
        InputException e = assertThrows(InputException.class, () -> OnnxModelFile.read(file));
        assertTrue(e.getMessage().startsWith(file + ": is not an ONNX model (the file is truncated)"), e.getMessage());
    }

    @Test
    void aTinyGemmBetaDoesNotOverflowTheWrittenBias() {
        // Layer 2 stores C with beta = 1e-38: a new bias of 10 would be stored as 10 / 1e-38 = infinity.
        ModelProto m = TestModels.dense(2, 3, 2).gemmScale(1, 1f, 1e-38f).build().model();
        Path file = dir.resolve("beta.onnx");
        OnnxDenseModel read = DenseChainReader.read(m, file);
        org.odf2nna.network.DenseLayer out = read.network().layer(1);
        float[] bias = {10f, -10f};
        org.odf2nna.network.DenseNetwork changed = read.network().withLayers(
                java.util.List.of(read.network().layer(0), out.withWeights(out.weights(), bias)));
        ModelProto written = DenseChainWriter.write(read, changed);
        OnnxDenseModel again = DenseChainReader.read(written, file);
        assertArrayEquals(bias, again.network().layer(1).bias());
        assertEquals(1f, NodeAttributes.floatAttribute(TestModels.nodeNamed(written, "fc2"), "beta", 1f));
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static byte[] lengthDelimited(int field, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(payload.length + 16);
        b.put((byte) (field << 3 | 2)).put(varint(payload.length)).put(payload);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static byte[] varint(long value) {
        ByteBuffer b = ByteBuffer.allocate(10);
        long n = value;
        while (n >= 0x80) {
            b.put((byte) (n & 0x7f | 0x80));
            n >>>= 7;
        }
        b.put((byte) n);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static Path sparse(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return file;
    }

    private Path save(ModelProto model, String name) throws IOException {
        return TestModels.save(model, dir, name);
    }

    private static ModelProto replace(ModelProto model, TensorProto tensor) {
        return replace(model, tensor, false);
    }

    /** Replaces the initializer of the same name, or adds it when {@code add}. */
    private static ModelProto replace(ModelProto model, TensorProto tensor, boolean add) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        if (add) {
            g.addInitializer(tensor);
        }
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(tensor.getName())) {
                g.setInitializer(i, tensor);
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    private static ModelProto external(ModelProto model, String name, String location, long offset, long length) {
        TensorProto t = TestModels.initializer(model, name);
        return replace(model, t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)))
                .build());
    }
}
