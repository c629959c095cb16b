package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The research scripts under {@code scripts/} (single-file Java programs run as
 * {@code java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" scripts/X.java}, scripts/README.md) use the
 * library's internal classes, which change under them; nothing else compiles them. This test compiles each one, alone
 * (they all live in the default package), against this module's test class path, which holds the library, its
 * dependencies (ONNX Runtime, TensorFlow, protobuf) and the command line, as the jars in {@code cli/target/lib} do. It
 * fails listing every error of every script that does not compile. Tests run from the repository's root.
 */
class ScriptsCompileTest {

    private static final Path SCRIPTS = Path.of("scripts");

    @Test
    void everyJavaScriptCompilesAgainstTheLibrary(@TempDir Path out) throws IOException {
        List<Path> scripts = javaScripts();
        assertFalse(scripts.isEmpty(), "no .java file under " + SCRIPTS.toAbsolutePath());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler: the tests need a JDK, not a JRE");
        List<String> failures = new ArrayList<>();
        // One file manager for all: the class path's jars are opened once, not once per script.
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            for (Path script : scripts) {
                String errors = errors(javac, files, script, out);
                if (!errors.isEmpty()) {
                    failures.add(script + ":\n" + errors);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + scripts.size()
                + " scripts do not compile against the library (fix them to its current API, or delete the ones"
                + " whose purpose is gone, and their mentions in scripts/README.md and docs/):\n\n"
                + String.join("\n", failures));
    }

    /** Every .java file under scripts/, in a stable order. */
    private static List<Path> javaScripts() throws IOException {
        try (Stream<Path> all = Files.walk(SCRIPTS)) {
            return all.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The script's compile errors, one a line with its line number, or "" when it compiles. */
    private static String errors(JavaCompiler javac, StandardJavaFileManager files, Path script, Path out) {
        Path classes = out.resolve(script.toString().replace(File.separatorChar, '_'));
        List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-d", classes.toString(),
                "-proc:none", "-implicit:none", "-Xlint:none", "-nowarn");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Iterable<? extends JavaFileObject> units = files.getJavaFileObjects(script);
        boolean compiled = javac.getTask(null, files, diagnostics, options, null, units).call();
        StringBuilder text = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                text.append("  line ").append(d.getLineNumber()).append(": ")
                        .append(d.getMessage(Locale.ROOT).replace("\n", "\n    ")).append('\n');
            }
        }
        if (!compiled && text.length() == 0) {
            text.append("  the compiler failed without an error message\n");
        }
        return text.toString();
    }
}
