package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** README's package table is the dependency order: a package uses only those above it (no upward arrow). */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/org/odf2nna");

    @Test
    void everyPackageUsesOnlyThoseAboveItInReadmesTable() throws IOException {
        List<String> order = new ArrayList<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9.]+)` \\|").matcher(Files.readString(Path.of("README.md")));
        while (row.find()) {
            order.add(row.group(1).equals("org.odf2nna") ? "" : row.group(1));
        }
        assertTrue(order.size() >= 10 && order.get(0).isEmpty(), "README's table starts with org.odf2nna: " + order);
        // Imports and fully qualified names in code alike (the package line itself names no dependency).
        Pattern imports = Pattern.compile("(?<![\\w.])org\\.odf2nna\\.([a-z0-9.]*?)\\.?[A-Z]");
        List<String> upward = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(file.getParent()).toString().replace('/', '.');
                int at = order.indexOf(pkg);
                assertTrue(at >= 0, "package " + pkg + " is not in README's table");
                Matcher m = imports.matcher(Files.readString(file).replaceFirst("(?m)^package [^;]*;", ""));
                while (m.find()) {
                    String used = m.group(1);
                    if (used.startsWith("onnx.proto")) {
                        used = "onnx";
                    }
                    int usedAt = order.indexOf(used);
                    if (!used.equals(pkg) && (usedAt < 0 || usedAt > at)) {
                        upward.add(MAIN.relativize(file) + " uses " + (used.isEmpty() ? "org.odf2nna" : used));
                    }
                }
            }
        }
        assertTrue(upward.isEmpty(), "upward arrows: " + upward);
    }
}
