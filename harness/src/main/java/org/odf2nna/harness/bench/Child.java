package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a measurement in a process of its own (a child JVM, or Python), so that its peak memory and its
 * thread pools are its own. The child prints one line {@code PROBE {json}} on standard output.
 */
final class Child {

    static final String PREFIX = "PROBE ";

    private Child() {
    }

    /** The command line of a child JVM running {@code mainClass} on this JVM's class path. */
    static List<String> jvm(String mainClass, List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-Xss"))) {
            // ONNX Runtime's environment, created on the main thread, overran its default 1 MB stack (exit 139, no
            // error file) on one machine when the class path was long (Maven's test class path, 4 KB); 1.1 MB ran.
            command.add("-Xss2m");
        }
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /** Runs {@code command}, waits at most {@code timeoutSeconds}, and returns the child's PROBE object. */
    static JsonObject run(List<String> command, Path logDir, String logName, long timeoutSeconds) {
        try {
            Files.createDirectories(logDir);
            Path out = logDir.resolve(logName + ".out");
            Path err = logDir.resolve(logName + ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "2");
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("child did not finish in " + timeoutSeconds + " s: "
                        + String.join(" ", command));
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            for (String line : lines) {
                if (line.startsWith(PREFIX)) {
                    return JsonParser.parseString(line.substring(PREFIX.length())).getAsJsonObject();
                }
            }
            throw new IllegalStateException("child exited with " + process.exitValue() + " and no result ("
                    + String.join(" ", command) + "): " + tail(err));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no error output)";
        }
    }

    static double[] doubles(JsonObject o, String key) {
        var array = o.getAsJsonArray(key);
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsDouble();
        }
        return values;
    }
}
