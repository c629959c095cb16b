package org.odf2nna.harness.reproduce;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@code reproduce} run is asked to do.
 *
 * @param shared     the shared folder ({@code data/}, {@code data/splits/}, {@code models/})
 * @param out        the Markdown file to write; the per-table JSON goes to {@code results/} beside it
 * @param tables     the tables to run, in order
 * @param only       data set ids to run (the others of the table keep their stored figures), or empty for all
 * @param quick      small budgets: a smoke test, not a reproduction
 * @param seed       seeds every split, initialisation and shuffle
 * @param invocation the command line as run, recorded with each data set's figures
 * @param commonArgs the options other than the tables and {@code --only}, to name the command regenerating
 *                   one table (e.g. {@code " --shared ../shared"})
 */
public record ReproduceOptions(Path shared, Path out, List<ReproTable> tables, List<String> only, boolean quick,
        long seed, String invocation, String commonArgs) {

    public ReproduceOptions {
        tables = List.copyOf(tables);
        only = List.copyOf(only);
    }

    /** The command that regenerates {@code table} alone. */
    public String tableCommand(ReproTable table) {
        return "bin/odf2nna-onnx reproduce " + table.heading().id() + commonArgs;
    }

    /** The folder of the per-table JSON files. */
    public Path resultsFolder() {
        return resultsFolder(out);
    }

    public static Path resultsFolder(Path markdown) {
        Path parent = markdown.toAbsolutePath().getParent();
        return parent.resolve("results");
    }
}
