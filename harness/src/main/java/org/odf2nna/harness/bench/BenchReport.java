package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.api.Writes;
import org.odf2nna.report.ReportFormat;

/**
 * What a benchmark run measured: the machine, then one section per sub-benchmark with its settings, a
 * table of figures (median and spread over repeats), the headline ratios and notes. Printed as text and
 * written as JSON.
 */
public final class BenchReport {

    private final Map<String, Object> machine;
    private final List<Section> sections = new ArrayList<>();

    public BenchReport(Map<String, Object> machine) {
        this.machine = new LinkedHashMap<>(machine);
    }

    public Map<String, Object> machine() {
        return machine;
    }

    public List<Section> sections() {
        return sections;
    }

    public void add(Section section) {
        sections.add(section);
    }

    /** One sub-benchmark's results. */
    public static final class Section {
        private final String name;
        private final String title;
        private final Map<String, Object> settings = new LinkedHashMap<>();
        private final List<String> columns;
        private final List<List<String>> rows = new ArrayList<>();
        private final Map<String, Object> figures = new LinkedHashMap<>();
        private final List<String> notes = new ArrayList<>();
        private String loadBefore;
        private String loadAfter;
        private double seconds;

        public Section(String name, String title, String... columns) {
            this.name = name;
            this.title = title;
            this.columns = List.of(columns);
        }

        public String name() {
            return name;
        }

        public Section setting(String key, Object value) {
            settings.put(key, value);
            return this;
        }

        public Section row(String... cells) {
            if (cells.length != columns.size()) {
                throw new IllegalArgumentException("row of " + cells.length + " cells for " + columns.size()
                        + " columns");
            }
            rows.add(List.of(cells));
            return this;
        }

        /** A number (or text) for the JSON output, under a stable key. */
        public Section figure(String key, Object value) {
            figures.put(key, value);
            return this;
        }

        public Section note(String text) {
            notes.add(text);
            return this;
        }

        public Map<String, Object> settings() {
            return settings;
        }

        public Map<String, Object> figures() {
            return figures;
        }

        public List<List<String>> rows() {
            return rows;
        }

        public List<String> notes() {
            return notes;
        }

        void timing(String before, String after, double elapsed) {
            this.loadBefore = before;
            this.loadAfter = after;
            this.seconds = elapsed;
        }

        public String text() {
            StringBuilder s = new StringBuilder();
            s.append("== ").append(name).append(": ").append(title).append('\n');
            settings.forEach((k, v) -> s.append("   ").append(k).append(": ").append(v).append('\n'));
            if (loadBefore != null) {
                s.append("   load average (1, 5, 15 min) before: ").append(loadBefore).append(", after: ")
                        .append(loadAfter).append(String.format(java.util.Locale.ROOT, "; section took %.1f s%n",
                                seconds));
            }
            if (!rows.isEmpty()) {
                s.append('\n');
                List<List<String>> all = new ArrayList<>();
                all.add(columns);
                all.addAll(rows);
                s.append(columns(all, "   "));
            }
            if (!notes.isEmpty()) {
                s.append('\n');
                notes.forEach(n -> s.append("   ").append(n).append('\n'));
            }
            return s.toString();
        }
    }

    public String text() {
        StringBuilder s = new StringBuilder(machineText());
        for (Section section : sections) {
            s.append('\n').append(section.text());
        }
        return s.toString();
    }

    /**
     * Writes the report as JSON to {@code file}, by an atomic rename: rewritten after each section, the file always
     * holds a whole report.
     */
    public void writeJson(Path file) {
        Writes.writeString(file, ReportFormat.json(this));
    }

    /** The machine block that heads the text. */
    public String machineText() {
        StringBuilder s = new StringBuilder("Machine\n");
        machine.forEach((k, v) -> s.append("   ").append(k).append(": ").append(v).append('\n'));
        return s.toString();
    }

    /** Left-aligned columns, two spaces apart. */
    static String columns(List<List<String>> rows, String indent) {
        int count = rows.get(0).size();
        int[] width = new int[count];
        for (List<String> row : rows) {
            for (int c = 0; c < count; c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder s = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < count; c++) {
                line.append(row.get(c));
                if (c < count - 1) {
                    line.append(" ".repeat(width[c] - row.get(c).length() + 2));
                }
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
        return s.toString();
    }
}
