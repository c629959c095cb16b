package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README is the short tour and docs/ the manual: README stays short and names no ../shared, docs/README.md links every
 * page of docs/ and of its folders (the task pages, the research record), and every relative link of README,
 * scripts/README.md and docs/ leads to a file that exists and, with an anchor, to a heading of that file (anchors as
 * GitHub makes them). README's paragraphs stay short, user pages name no commit and run to at most 400 lines. Tests
 * run in the repository's root.
 */
class ManualTest {

    private static final Path README = Path.of("README.md");
    private static final Path DOCS = Path.of("docs");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void readmeIsShortAndNamesNoSharedFolder() throws IOException {
        List<String> lines = Files.readAllLines(README);
        assertTrue(lines.size() <= 150, "README.md has " + lines.size() + " lines; the rest belongs in docs/");
        for (int i = 0; i < lines.size(); i++) {
            assertFalse(lines.get(i).contains("../shared"), "README.md line " + (i + 1) + " names ../shared: "
                    + lines.get(i) + " (the reference data is described in docs/research.md)");
        }
    }

    /** README is read by people: no paragraph of prose (a list item counts as one) runs to 80 words or more. */
    @Test
    void readmesParagraphsAreShort() throws IOException {
        List<String> longOnes = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : Files.readAllLines(README)) {
            boolean prose = !line.isBlank() && !line.startsWith("    ") && !line.startsWith("|")
                    && !line.startsWith("#");
            if (!prose || line.startsWith("- ")) {
                checkLength(paragraph, longOnes);
            }
            if (prose) {
                paragraph.append(line).append(' ');
            }
        }
        checkLength(paragraph, longOnes);
        assertEquals(List.of(), longOnes, "README.md paragraphs of 80 words or more");
    }

    private static void checkLength(StringBuilder paragraph, List<String> longOnes) {
        String text = paragraph.toString().strip();
        if (!text.isEmpty() && text.split("\\s+").length >= 80) {
            longOnes.add(text);
        }
        paragraph.setLength(0);
    }

    /**
     * The user's pages (README and docs/ outside docs/research/) name no commit: a figure there is backed by the
     * research record, which says which build made it.
     */
    @Test
    void userPagesNameNoCommit() throws IOException {
        Pattern commit = Pattern.compile("(?<![\\w/.-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}(?![\\w/-])");
        List<Path> files = new ArrayList<>(pages());
        files.removeIf(p -> p.startsWith(DOCS.resolve("research")));
        files.add(README);
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = commit.matcher(lines.get(i));
                while (m.find()) {
                    found.add(file + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        assertEquals(List.of(), found, "commit hashes in user pages (give a date, or link the research record)");
    }

    /**
     * A user page (docs/ outside docs/research/) is read, not searched: at most 400 lines. Internals, diaries and
     * measurements go to a page of docs/research/, linked for evidence.
     */
    @Test
    void userPagesAreShort() throws IOException {
        List<String> longOnes = new ArrayList<>();
        for (Path page : pages()) {
            int lines = Files.readAllLines(page).size();
            if (!page.startsWith(DOCS.resolve("research")) && lines > 400) {
                longOnes.add(page + " (" + lines + " lines)");
            }
        }
        assertEquals(List.of(), longOnes, "user pages over 400 lines (move the research half to docs/research/)");
    }

    @Test
    void theTableOfContentsLinksEveryPage() throws IOException {
        Set<String> linked = new HashSet<>();
        Matcher m = LINK.matcher(Files.readString(DOCS.resolve("README.md")));
        while (m.find()) {
            linked.add(m.group(1).replaceFirst("#.*", ""));
        }
        List<String> unlinked = new ArrayList<>();
        for (Path page : pages()) {
            String name = DOCS.relativize(page).toString().replace('\\', '/');
            if (!name.equals("README.md") && !linked.contains(name)) {
                unlinked.add(name);
            }
        }
        assertEquals(List.of(), unlinked, "pages docs/README.md does not link");
    }

    @Test
    void everyLinkLeadsToAFileAndAHeading() throws IOException {
        List<Path> files = new ArrayList<>(pages());
        files.add(README);
        files.add(Path.of("scripts/README.md"));
        List<String> broken = new ArrayList<>();
        for (Path file : files) {
            Matcher m = LINK.matcher(Files.readString(file));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue;
                }
                String path = target.replaceFirst("#.*", "");
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : "";
                Path resolved = path.isEmpty() ? file : file.resolveSibling(path).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(file + ": " + target + " (no such file)");
                } else if (!anchor.isEmpty() && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(anchor)) {
                    broken.add(file + ": " + target + " (no such heading)");
                }
            }
        }
        assertEquals(List.of(), broken, "links that lead nowhere");
    }

    /** The pages of the manual: the Markdown files of docs/ and of its folders. */
    private static List<Path> pages() throws IOException {
        try (Stream<Path> files = Files.walk(DOCS)) {
            return files.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
    }

    /** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens. */
    private static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new HashSet<>();
        for (String line : Files.readAllLines(markdown)) {
            Matcher heading = Pattern.compile("^#+ (.*)").matcher(line);
            if (heading.matches()) {
                anchors.add(heading.group(1).strip().toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
