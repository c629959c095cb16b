package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package table of docs/development.md ("Architecture") is the dependency order: a package uses only those above it (no upward arrow), and it
 * lives in the module the table names (library, harness, cli: modules in the build's order, so no module uses a
 * later one either). Tests run in the repository's root.
 */
class ArchitectureTest {

    /** The modules, in the order of the build (a module uses only those before it). */
    private static final List<String> MODULES = List.of("library", "harness", "cli");

    /** The page that holds the package table. */
    private static final Path TABLE = Path.of("docs/development.md");

    @Test
    void everyPackageUsesOnlyThoseAboveItInThePackageTable() throws IOException {
        List<String> order = new ArrayList<>();
        Map<String, String> moduleOf = new HashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9.]+)` \\| ([a-z]+) \\|")
                .matcher(Files.readString(TABLE));
        while (row.find()) {
            String pkg = row.group(1).equals("org.odf2nna") ? "" : row.group(1);
            order.add(pkg);
            moduleOf.put(pkg, row.group(2));
        }
        assertTrue(order.size() >= 10 && order.get(0).isEmpty(),
                "the table of " + TABLE + " starts with org.odf2nna: " + order);
        // The table's modules come in the build's order, so that no package uses one of a later module.
        List<Integer> modules = order.stream().map(p -> MODULES.indexOf(moduleOf.get(p))).toList();
        assertTrue(!modules.contains(-1) && modules.equals(modules.stream().sorted().toList()),
                "the table of " + TABLE + " names the modules library, harness, cli in this order: " + moduleOf);
        // Imports and fully qualified names in code alike (the package line itself names no dependency).
        Pattern imports = Pattern.compile("(?<![\\w.])org\\.odf2nna\\.([a-z0-9.]*?)\\.?[A-Z]");
        List<String> upward = new ArrayList<>();
        for (String module : MODULES) {
            Path main = Path.of(module, "src/main/java/org/odf2nna");
            assertTrue(Files.isDirectory(main), main + " (run from the repository's root)");
            List<Path> sources;
            try (Stream<Path> files = Files.walk(main)) {
                sources = files.filter(p -> p.toString().endsWith(".java")).toList();
            }
            for (Path file : sources) {
                String pkg = main.relativize(file.getParent()).toString().replace('/', '.');
                int at = order.indexOf(pkg);
                assertTrue(at >= 0, "package " + pkg + " is not in the table of " + TABLE);
                assertEquals(moduleOf.get(pkg), module, "the module " + TABLE + " gives " + pkg + " (" + file + ")");
                Matcher m = imports.matcher(Files.readString(file).replaceFirst("(?m)^package [^;]*;", ""));
                while (m.find()) {
                    String used = m.group(1);
                    if (used.startsWith("onnx.proto")) {
                        used = "onnx";
                    }
                    int usedAt = order.indexOf(used);
                    if (!used.equals(pkg) && (usedAt < 0 || usedAt > at)) {
                        upward.add(main.relativize(file) + " uses " + (used.isEmpty() ? "org.odf2nna" : used));
                    }
                }
            }
        }
        assertTrue(upward.isEmpty(), "upward arrows: " + upward);
    }

    /**
     * Every package-info's "Uses ..." sentence names exactly the project's packages its classes use (imports and
     * fully qualified names; {@code onnx.proto} counts as {@code onnx}; the root package {@code org.odf2nna}, which
     * every package may use, is not named): "Uses" and the names, each in a code tag ("a, b and c"), or "Uses no
     * other package of the project".
     */
    @Test
    void everyPackageInfoSaysWhichPackagesItUses() throws IOException {
        Pattern code = Pattern.compile("\\{@code ([a-z0-9.]+)}");
        Pattern uses = Pattern.compile("Uses (.*?)\\.(\\s|$)", Pattern.DOTALL);
        List<String> wrong = new ArrayList<>();
        for (String module : MODULES) {
            Path main = Path.of(module, "src/main/java/org/odf2nna");
            List<Path> infos;
            try (Stream<Path> files = Files.walk(main)) {
                infos = files.filter(p -> p.getFileName().toString().equals("package-info.java")).sorted().toList();
            }
            for (Path info : infos) {
                String pkg = main.relativize(info.getParent()).toString().replace('/', '.');
                String text = Files.readString(info).replaceAll("(?m)^\\s*\\*\\s?", " ").replaceAll("\\s+", " ");
                Matcher sentence = uses.matcher(text);
                if (!sentence.find()) {
                    wrong.add((pkg.isEmpty() ? "org.odf2nna" : pkg) + ": no \"Uses ...\" sentence");
                    continue;
                }
                java.util.Set<String> said = new java.util.TreeSet<>();
                Matcher named = code.matcher(sentence.group(1));
                while (named.find()) {
                    if (!named.group(1).equals("org.odf2nna")) {
                        said.add(named.group(1));
                    }
                }
                java.util.Set<String> used = usedBy(info.getParent(), pkg);
                if (!said.equals(used)) {
                    wrong.add((pkg.isEmpty() ? "org.odf2nna" : pkg) + " says " + said + ", uses " + used);
                }
            }
        }
        assertTrue(wrong.isEmpty(), "package-info Uses lines that are not the code's: " + wrong);
    }

    /** The project packages the classes of {@code folder} (not its subfolders) use, the root and itself aside. */
    private static java.util.Set<String> usedBy(Path folder, String pkg) throws IOException {
        Pattern names = Pattern.compile("(?<![\\w.])org\\.odf2nna\\.([a-z0-9.]*?)\\.?[A-Z]");
        java.util.Set<String> used = new java.util.TreeSet<>();
        List<Path> sources;
        try (Stream<Path> files = Files.list(folder)) {
            sources = files.filter(p -> p.toString().endsWith(".java")
                    && !p.getFileName().toString().equals("package-info.java")).toList();
        }
        for (Path file : sources) {
            Matcher m = names.matcher(Files.readString(file).replaceFirst("(?m)^package [^;]*;", ""));
            while (m.find()) {
                String name = m.group(1).startsWith("onnx.proto") ? "onnx" : m.group(1);
                if (!name.isEmpty() && !name.equals(pkg)) {
                    used.add(name);
                }
            }
        }
        return used;
    }
}
