package org.odf2nna.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference material in ../shared (real exports and the paper's data sets), which a fresh clone
 * does not have: tests that need it skip, and say so.
 */
final class Shared {

    private Shared() {
    }

    static Path root() {
        return Path.of(System.getProperty("odf2nna.shared", "../shared")).toAbsolutePath().normalize();
    }

    /** Skips the calling test, with a message in the report and on the console, when ../shared is absent. */
    static Path require() {
        Path root = root();
        boolean present = Files.isDirectory(root.resolve("models")) && Files.isDirectory(root.resolve("data"));
        if (!present) {
            System.out.println("SKIPPED: " + root + " not found; the integration tests over the reference "
                    + "models and data sets need it beside the repository");
        }
        assumeTrue(present, "skipped: " + root + " (reference models and data) not found");
        return root;
    }

    /** The test split a reference model was trained against. */
    static Path testSplit(Path root, String modelName) {
        String dataset = modelName.substring(0, modelName.indexOf('_'));
        if (dataset.equals("mnist")) {
            return root.resolve("data/mnist-test.csv.gz");
        }
        return root.resolve("data/splits/" + dataset + "-test.csv");
    }

    static Path launcher() {
        return Path.of(System.getProperty("odf2nna.launcher", "bin/odf2nna-onnx")).toAbsolutePath();
    }

    /** Output and exit code of a process. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }

    static Result run(Path workDir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> copy(p.getErrorStream(), err));
        errReader.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        errReader.join();
        return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    static Result launch(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(List.of(args));
        return run(workDir, command);
    }

    /** Debian's python3 with the onnx package, if installed (the checker is an independent check). */
    static boolean hasPythonOnnx() {
        try {
            return run(Path.of("."), List.of("/usr/bin/python3", "-c", "import onnx")).exitCode() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // The process ended; what was read is kept.
        }
    }
}
