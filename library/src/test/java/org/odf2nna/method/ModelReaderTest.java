package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelFormat;

/** The one reader: every command's read of one file gives the one cleaned graph, read once while the file stays. */
class ModelReaderTest {

    @TempDir
    Path dir;

    private static ModelProto withIdentityAndCast(boolean cast) {
        Graphs g = new Graphs(3).input("x", 4).output("y", 2);
        String h = g.node("Identity", "id", "x");
        h = g.node("Gemm", "fc1", h, g.init("w1", 0.5, 4, 5), g.init("b1", 0.5, 5));
        h = g.node("Relu", "r", h);
        h = g.node("Gemm", cast ? "fc2" : "y", h, g.init("w2", 0.5, 5, 2), g.init("b2", 0.5, 2));
        if (cast) {
            g.node("Cast", "y", List.of(Graphs.integer("to", 1)), h);
        }
        return g.model(13);
    }

    @Test
    void everyReadSeesTheCleanedGraphOnce() throws Exception {
        Path file = Files.write(dir.resolve("m.onnx"), withIdentityAndCast(true).toByteArray());
        // A clock a second after the write, however long the reads take: within the settling time on any machine.
        long written = Files.getLastModifiedTime(file).toMillis();
        java.util.function.LongSupplier justAfter = () -> written + 1_000;
        assertNotSame(ModelReader.read(file, justAfter), ModelReader.read(file, justAfter),
                "a file written just now is read each time");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        InputModel read = ModelReader.read(file);
        assertEquals(ModelFormat.ONNX, read.format());
        assertEquals("ONNX IR 7, opset 13, producer graph-test", read.description());
        assertEquals(List.of("Gemm", "Relu", "Gemm"), read.graph().getGraph().getNodeList().stream()
                .map(n -> n.getOpType()).toList());
        assertEquals(List.of("1 Cast to the same type removed (/Cast_4)", "1 Identity node removed (/Identity_0)"),
                read.cleaningSummary());
        assertSame(read, ModelReader.read(file), "read once while the file is unchanged");
        assertEquals("4-5-2", ModelFiles.read(file).network().architecture());
        assertEquals(read.graph(), ModelFiles.read(file).model(), "the chain is read from the cleaned graph");

        // The file rewritten (a new file moved into place): read again.
        Path other = Files.write(dir.resolve("other.onnx"), withIdentityAndCast(false).toByteArray());
        Files.move(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        InputModel again = ModelReader.read(file);
        assertNotSame(read, again);
        assertEquals(List.of("1 Identity node removed (/Identity_0)"), again.cleaningSummary());
        assertTrue(again.cleaning().stream().allMatch(s -> s.into() == null));
    }
}
