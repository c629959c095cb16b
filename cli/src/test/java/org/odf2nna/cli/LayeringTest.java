package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The command line only translates: flags into the facade's settings, results into text. Its target is to use the
 * library through {@code api} alone, with {@code report} (what it prints) and the root package ({@code Setting},
 * {@code InputException}, {@code Progress}, ...); the research harness's commands ({@code bench}, {@code reproduce})
 * may use the harness. It was a ratchet while commands still reached into the internals; now every command-line file
 * keeps to the target. {@link #STILL_IMPORTING} stays, empty, as the ratchet's machinery: the test fails on a file
 * that imports an internal package and is not listed, on a listed file that imports more or fewer packages than
 * listed, and on a listed file that is gone. It also checks that the library's sources never name the command line,
 * the harness or picocli.
 * Sources are read from the repository's root, where the tests run.
 */
class LayeringTest {

    private static final Path CLI = Path.of("cli/src/main/java/org/odf2nna/cli");
    private static final Path LIBRARY = Path.of("library/src/main/java/org/odf2nna");

    /** What a command-line file may use of org.odf2nna: the root package, the facade, reports, settings, itself. */
    private static final Set<String> ALLOWED = Set.of("", "api", "report", "settings", "cli");

    /**
     * The files that still break the rule, each with the internal packages it imports (2026-11-24: 18 of 23; issue
     * 26's settings package and facade calls took the last ones off). Empty now, and it stays so: a new entry is a
     * step back, and the test below fails on any command-line file that imports an internal package.
     */
    private static final Map<String, Set<String>> STILL_IMPORTING = Map.of();

    /** Imports, static imports and fully qualified names alike; group 1 is the package under org.odf2nna. */
    private static final Pattern USE = Pattern.compile("(?<![\\w.])org\\.odf2nna\\.([a-z0-9.]*?)\\.?[A-Z]");

    @Test
    void commandLineFilesUseOnlyTheFacadeSaveTheListedOnes() throws IOException {
        Map<String, Set<String>> found = new TreeMap<>();
        for (Path file : javaFiles(CLI)) {
            Set<String> internal = new TreeSet<>();
            for (String used : packagesUsed(file)) {
                if (!ALLOWED.contains(used) && !used.equals("harness") && !used.startsWith("harness.")) {
                    internal.add(used.startsWith("onnx.") ? "onnx" : used);
                }
            }
            if (!internal.isEmpty()) {
                found.put(file.getFileName().toString(), internal);
            }
        }
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : found.entrySet()) {
            Set<String> listed = STILL_IMPORTING.get(e.getKey());
            if (listed == null) {
                wrong.add(e.getKey() + " imports " + e.getValue() + ": use the facade (org.odf2nna.api) instead");
            } else if (!new TreeSet<>(listed).equals(e.getValue())) {
                wrong.add(e.getKey() + " imports " + e.getValue() + " where the list says " + new TreeSet<>(listed)
                        + (e.getValue().containsAll(listed) ? ": use the facade instead" : ": shrink the list"));
            }
        }
        for (String listed : new TreeSet<>(STILL_IMPORTING.keySet())) {
            if (!found.containsKey(listed)) {
                wrong.add(listed + " is listed but " + (Files.exists(CLI.resolve(listed))
                        ? "no longer imports an internal package: take it off the list" : "is gone: take it off the list"));
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    /**
     * The compiler holds the command line and the harness to what the library's module-info.java exports; that must
     * cover what this test allows, and no internal package is exported, not even to one module (qualified): the
     * harness's benchmarks, which once reached the internals so, use the public surface too.
     */
    @Test
    void theLibraryModuleExportsWhatTheCommandLineMayUseAndNoInternalPackage() throws IOException {
        String info = Files.readString(Path.of("library/src/main/java/module-info.java"));
        Matcher m = Pattern.compile("(?m)^\\s*exports org\\.odf2nna(\\.[a-z0-9.]+)?(?: to ([^;]+))?;").matcher(info);
        Set<String> toAll = new TreeSet<>();
        Map<String, String> qualified = new TreeMap<>();
        while (m.find()) {
            String pkg = m.group(1) == null ? "" : m.group(1).substring(1);
            if (m.group(2) == null) {
                toAll.add(pkg);
            } else {
                qualified.put(pkg, m.group(2).trim());
            }
        }
        Set<String> library = new TreeSet<>(ALLOWED);
        library.remove("cli");
        assertTrue(toAll.containsAll(library), "module-info exports " + toAll + " to all; the command line uses "
                + library);
        assertEquals(Map.of(), qualified, "internal packages exported to some modules (qualified exports)");
    }

    @Test
    void theLibraryNamesNeitherTheCommandLineNorTheHarnessNorPicocli() throws IOException {
        Pattern forbidden = Pattern.compile("(?<![\\w.])(org\\.odf2nna\\.(cli|harness)\\b|picocli\\.)");
        List<String> found = new ArrayList<>();
        List<Path> files = javaFiles(LIBRARY);
        assertTrue(files.size() > 100, "the library's sources: " + files.size());
        for (Path file : files) {
            Matcher m = forbidden.matcher(Files.readString(file));
            while (m.find()) {
                found.add(LIBRARY.relativize(file) + ": " + m.group(1));
            }
        }
        assertEquals(List.of(), found, "the library knows nothing of the command line, the harness or picocli");
    }

    @Test
    void theRuleSeesImportsStaticImportsAndQualifiedNames() {
        String source = "package org.odf2nna.cli;\nimport org.odf2nna.method.Shrinker;\n"
                + "import static org.odf2nna.prune.EpsilonRule.KEEP;\nimport org.odf2nna.api.Odf2nna;\n"
                + "class X { org.odf2nna.tf.Loss loss; org.odf2nna.Setting s; }\n";
        assertEquals(Set.of("method", "prune", "api", "tf", ""), packagesUsed(source));
    }

    private static Set<String> packagesUsed(Path file) throws IOException {
        return packagesUsed(Files.readString(file));
    }

    private static Set<String> packagesUsed(String source) {
        Set<String> used = new TreeSet<>();
        Matcher m = USE.matcher(source.replaceFirst("(?m)^package [^;]*;", ""));
        while (m.find()) {
            used.add(m.group(1));
        }
        return used;
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        assertTrue(Files.isDirectory(dir), dir + " (the tests run in the repository's root)");
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }
}
