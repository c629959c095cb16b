package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.api.Odf2nna;

class ShrinkModelTest {

    private static final Path REPO = Path.of(System.getProperty("example.repo", "../../.."));

    @TempDir
    Path dir;

    @Test
    void shrinksTheIrisModelAndWritesAModelTheLibraryReadsBack() throws Exception {
        Path out = dir.resolve("iris.small.onnx");
        String said = ShrinkModel.shrink(REPO.resolve("models/iris_4-16-16-3_relu.onnx"),
                REPO.resolve("examples/iris/iris-test.csv"), 0.5, out);
        // The command line's figures for this model and data at ε = 0.5 (README's quick start).
        assertTrue(said.startsWith("4-16-16-3 -> 4-4-11-3: 403 -> 111 parameters (72.5% fewer)"), said);
        assertEquals("4-4-11-3", Odf2nna.load(Files.readAllBytes(out)).architecture());
    }

    @Test
    void theLibraryComesFromAMavenRepository() throws Exception {
        // What `mvn install` put in a local repository, not a build folder of the library's own checkout.
        Path jar = Path.of(Odf2nna.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(jar.toString().matches(".*/org/odf2nna/odf2nna-onnx/([^/]+)/odf2nna-onnx-\\1\\.jar"), jar.toString());
    }
}
