package org.odf2nna.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.network.DenseNetwork;

/** Compiles and runs the Java examples under examples/java against the library, as a user's program would. */
class ExamplesTest {

    @TempDir
    Path classes;

    @Test
    void shrinkInMemoryShrinksAndKeepsEveryClass() throws Exception {
        String out = compileAndRun("ShrinkInMemory");
        Matcher m = Pattern.compile("6-24-12-3 -> 6-(\\d+)-(\\d+)-3: 507 -> (\\d+) parameters \\(([\\d.]+)% fewer\\)")
                .matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Integer.parseInt(m.group(1)) <= 16 && Integer.parseInt(m.group(2)) <= 8,
                "the units that never fire are gone: " + out);
        assertTrue(Double.parseDouble(m.group(4)) > 40, out);
        Matcher agree = Pattern.compile("same class as the original on ([\\d.]+)% of the rows").matcher(out);
        assertTrue(agree.find(), out);
        assertTrue(Double.parseDouble(agree.group(1)) >= 99.0, out);
        assertTrue(out.contains("read back as 6-" + m.group(1) + "-" + m.group(2) + "-3"), out);
        Matcher sweep = Pattern.compile("sweep: (\\d+) rounds, chose round \\d+: \\S+ reading \\d of 6 inputs, "
                + "([0-9.]+)% fewer parameters; holds on its validation rows").matcher(out);
        assertTrue(sweep.find(), out);
        assertTrue(Double.parseDouble(sweep.group(2)) > 40, "at least the dead third goes: " + out);
    }

    @Test
    void theApiPagesJavaProgramCompilesAndRunsAsPrinted() throws Exception {
        // The indented block of docs/java-api.md's "A first program" that starts with its imports, exactly as printed.
        List<String> readme = Files.readAllLines(Path.of("docs/java-api.md"));
        int from = readme.indexOf("    import java.nio.file.Files;");
        assertTrue(readme.indexOf("## A first program") >= 0 && from > readme.indexOf("## A first program"),
                "docs/java-api.md's Java program, imports first, under 'A first program'");
        StringBuilder program = new StringBuilder();
        for (int i = from; i < readme.size() && (readme.get(i).isEmpty() || readme.get(i).startsWith("    ")); i++) {
            program.append(readme.get(i).isEmpty() ? "" : readme.get(i).substring(4)).append('\n');
        }
        Matcher name = Pattern.compile("public class (\\w+)").matcher(program);
        assertTrue(name.find(), program.toString());
        Path source = classes.resolve("src").resolve(name.group(1) + ".java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, program);
        Path written = classes.resolve("iris.small.onnx");
        String out = compileAndRun(source, name.group(1), written.toString());
        assertTrue(out.contains("4-16-16-3 -> 4-"), out);
        DenseNetwork read = Odf2nna.load(written);
        assertTrue(read.parameterCount() < 403, "smaller than the original's 403 parameters: " + read.architecture());
    }

    @Test
    void theConsumerExampleAndTheApiPageDependOnThePomsVersion() throws Exception {
        String version = System.getProperty("odf2nna.version", "(run through Maven)");
        Pattern dependency = Pattern.compile("<groupId>org\\.odf2nna</groupId>\\s*<artifactId>odf2nna-onnx</artifactId>"
                + "\\s*<version>([^<]*)</version>");
        for (Path file : List.of(Path.of("examples/java/consumer/pom.xml"), Path.of("docs/java-api.md"))) {
            Matcher m = dependency.matcher(Files.readString(file));
            assertTrue(m.find(), "a dependency on org.odf2nna:odf2nna-onnx in " + file);
            do {
                assertEquals(version, m.group(1), file + " depends on the version in pom.xml");
            } while (m.find());
        }
    }

    private String compileAndRun(String name) throws Exception {
        return compileAndRun(Path.of("examples", "java", name + ".java"), name);
    }

    private String compileAndRun(Path source, String name, String... args) throws Exception {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertNotNull(compiler, "a JDK, not a JRE");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = compiler.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), source.toString());
        assertEquals(0, status, diagnostics.toString(StandardCharsets.UTF_8));
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            loader.loadClass(name).getMethod("main", String[].class).invoke(null, (Object) args);
        } finally {
            System.setOut(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
