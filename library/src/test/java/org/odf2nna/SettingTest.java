package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class SettingTest {

    /** The library module's main sources (tests run in the repository's root). */
    private static final Path MAIN = Path.of("library/src/main/java/org/odf2nna");

    @Test
    void placeholdersAreNamedByWhoeverShowsThem() {
        String text = "give them with " + Setting.EPSILON.ref() + " or " + Setting.MAX_DROP.ref();
        assertEquals("give them with the epsilon setting or the maximum drop setting", Setting.plain(text));
        assertEquals("give them with <EPSILON> or <MAX_DROP>", Setting.render(text, s -> "<" + s.name() + ">"));
        assertEquals("{{NOT_A_SETTING}} stays", Setting.plain("{{NOT_A_SETTING}} stays"));
        assertEquals("$1 and \\ survive", Setting.render("$1 and \\ survive", s -> "x"));
    }

    @Test
    void anInputExceptionSpeaksPlainWordsToJavaAndFlagsToWhoeverAsks() {
        InputException e = new InputException(Path.of("rows.csv"), "line 1", "name it with " + Setting.LABEL.ref());
        assertEquals("rows.csv: line 1: name it with the label setting", e.getMessage());
        assertEquals("rows.csv: line 1: name it with --label", e.message(s -> "--label"));
        assertEquals("other.csv: line 1: name it with --label",
                new InputException(null, "line 1", "name it with " + Setting.LABEL.ref())
                        .inFile(Path.of("other.csv")).message(s -> "--label"));
    }

    /** The library speaks of settings, never of the command line's flags (they live in the cli package). */
    @Test
    void noLibraryClassMentionsACommandLineFlag() throws IOException {
        Pattern flag = Pattern.compile("(?<![\\w-])--[a-z][a-z-]+");
        List<String> found = new ArrayList<>();
        for (Path file : library()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = flag.matcher(lines.get(i));
                if (m.find()) {
                    found.add(MAIN.relativize(file) + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        assertTrue(found.isEmpty(), "flags outside the cli package: " + found);
    }

    @Test
    void everyPlaceholderInTheSourcesNamesASetting() throws IOException {
        Pattern ref = Pattern.compile("\\{\\{([A-Z0-9_]+)}}");
        List<String> unknown = new ArrayList<>();
        int seen = 0;
        for (Path file : library()) {
            Matcher m = ref.matcher(Files.readString(file));
            while (m.find()) {
                seen++;
                try {
                    Setting.valueOf(m.group(1));
                } catch (IllegalArgumentException e) {
                    unknown.add(MAIN.relativize(file) + ": " + m.group());
                }
            }
        }
        assertTrue(seen > 10, "the library's messages name settings through placeholders");
        assertTrue(unknown.isEmpty(), "placeholders that name no setting: " + unknown);
    }

    /** The library's main sources (the command line and the research harness are modules of their own). */
    private static List<Path> library() throws IOException {
        assertTrue(Files.isDirectory(MAIN), "run from the repository's root");
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }
}
