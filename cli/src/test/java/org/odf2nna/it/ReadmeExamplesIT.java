package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples of README, of the tour (docs/tour.md) and of the task pages (docs/tasks) run as a user runs them from a
 * fresh clone: README's quick start's shrink, then every {@code $ bin/odf2nna-onnx ...} line of an indented block, page
 * by page and in order, in one folder that holds copies of the repository's {@code models/} and {@code examples/} (so
 * what they write never lands in the checkout, and nothing from ../shared is read). Each must exit as its page shows
 * (0, or the number under a following {@code $ echo $?}) and print the lines the page shows under it: each run of
 * lines between {@code ...} lines must appear together, in that order, on standard output or standard error
 * (trailing spaces and blank lines aside).
 */
class ReadmeExamplesIT {

    private static final Path README = Path.of("README.md");
    private static final Path TOUR = Path.of("docs/tour.md");
    private static final Path TASKS = Path.of("docs/tasks");
    private static final String PROMPT = "$ ";
    private static final String TOOL = "bin/odf2nna-onnx ";

    @TempDir
    Path work;

    /** One command a page shows, with the exit code and the lines it shows for it. */
    record Example(String command, int exitCode, List<String> shown) {
    }

    @Test
    void theExamplesPrintWhatTheirPagesShow() throws Exception {
        String readme = Files.readString(README);
        List<Example> examples = new ArrayList<>();
        examples.add(quickStart(readme));
        examples.addAll(prompted(readme));
        List<Example> tour = prompted(Files.readString(TOUR));
        assertTrue(tour.size() >= 7, "the tour shows the commands with their output: " + tour);
        for (String command : List.of("shrink", "sweep", "convert", "inspect", "evolve")) {
            assertTrue(tour.stream().anyMatch(e -> e.command().startsWith(command + " ")),
                    "the tour has an example of " + command);
        }
        assertTrue(tour.stream().anyMatch(e -> e.command().startsWith("inspect ")
                && e.shown().stream().anyMatch(line -> line.startsWith("Dense blocks "))),
                "the tour has an example of a graph model's dense blocks (models/digits_mixer_8x8_gelu.onnx)");
        examples.addAll(tour);
        try (Stream<Path> pages = Files.list(TASKS)) {
            for (Path page : pages.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                examples.addAll(prompted(Files.readString(page)));
            }
        }
        copyTree(Path.of("models"), work.resolve("models"));
        copyTree(Path.of("examples"), work.resolve("examples"));
        for (Example example : examples) {
            assertFalse(example.command().matches(".*[|&;<>'\"`$].*"), "a plain command: " + example.command());
            Shared.Result r = Shared.launch(work, example.command().split("\\s+"));
            assertEquals(example.exitCode(), r.exitCode(), example.command() + "\n" + r);
            assertShows(example, r);
        }
    }

    /** The quick start's first command (after the build) and the block README shows after "The first command prints". */
    private static Example quickStart(String readme) {
        Matcher command = Pattern.compile("\\./mvnw -q -B package -DskipTests && bin/odf2nna-onnx (shrink [^\\n]+)")
                .matcher(readme);
        assertTrue(command.find(), "README's quick start");
        int printed = readme.indexOf("The first command prints");
        assertTrue(printed > command.end(), "README shows what the quick start prints");
        List<String> lines = Arrays.asList(readme.substring(printed).split("\n", -1));
        return new Example(command.group(1).strip(), 0, indentedBlock(lines, 2));
    }

    /** Every {@code $ bin/odf2nna-onnx} line of an indented block, with the lines under it. */
    private static List<Example> prompted(String readme) {
        List<String> lines = Arrays.asList(readme.split("\n", -1));
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("    " + PROMPT + TOOL)) {
                continue;
            }
            StringBuilder command = new StringBuilder(lines.get(i).substring(4 + PROMPT.length() + TOOL.length()));
            while (command.toString().endsWith("\\")) {
                command.setLength(command.length() - 1);
                command.append(' ').append(lines.get(++i).strip());
            }
            List<String> shown = new ArrayList<>();
            int exit = 0;
            int j = i + 1;
            for (; j < lines.size() && (lines.get(j).startsWith("    ") || lines.get(j).isBlank()); j++) {
                String line = lines.get(j).isBlank() ? "" : lines.get(j).substring(4);
                if (line.startsWith(PROMPT + "echo $?")) {
                    exit = Integer.parseInt(lines.get(++j).strip());
                    continue;
                }
                if (line.startsWith(PROMPT)) {
                    break;
                }
                shown.add(line);
            }
            examples.add(new Example(command.toString().strip(), exit, shown));
            i = j - 1;
        }
        return examples;
    }

    /** The indented block that starts at or after {@code from}, without its indentation. */
    private static List<String> indentedBlock(List<String> lines, int from) {
        int start = from;
        while (!lines.get(start).startsWith("    ")) {
            start++;
        }
        List<String> block = new ArrayList<>();
        for (int i = start; i < lines.size() && (lines.get(i).startsWith("    ") || lines.get(i).isBlank()); i++) {
            block.add(lines.get(i).isBlank() ? "" : lines.get(i).substring(4));
        }
        return block;
    }

    private static void assertShows(Example example, Shared.Result r) {
        List<List<String>> runs = new ArrayList<>();
        List<String> run = new ArrayList<>();
        for (String line : example.shown()) {
            if (line.strip().equals("...")) {
                runs.add(run);
                run = new ArrayList<>();
            } else if (!line.isBlank()) {
                run.add(line.stripTrailing());
            }
        }
        runs.add(run);
        List<String> out = printed(r.out());
        List<String> err = printed(r.err());
        int atOut = 0;
        int atErr = 0;
        for (List<String> expected : runs) {
            if (expected.isEmpty()) {
                continue;
            }
            int found = indexOf(out, expected, atOut);
            if (found >= 0) {
                atOut = found + expected.size();
                continue;
            }
            found = indexOf(err, expected, atErr);
            if (found >= 0) {
                atErr = found + expected.size();
                continue;
            }
            fail("The page shows, for '" + example.command() + "':\n" + String.join("\n", expected)
                    + "\nbut the command printed (after what matched before):\n" + r);
        }
    }

    private static List<String> printed(String text) {
        return text.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
    }

    private static int indexOf(List<String> lines, List<String> run, int from) {
        for (int i = from; i + run.size() <= lines.size(); i++) {
            if (lines.subList(i, i + run.size()).equals(run)) {
                return i;
            }
        }
        return -1;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
