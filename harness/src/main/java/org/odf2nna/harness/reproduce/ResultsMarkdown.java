package org.odf2nna.harness.reproduce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.harness.reproduce.Results.DatasetResult;
import org.odf2nna.harness.reproduce.Results.Figures;
import org.odf2nna.harness.reproduce.Results.Row;
import org.odf2nna.harness.reproduce.Results.TableResult;
import org.odf2nna.report.ReportFormat;

/**
 * Renders {@code RESULTS.md} from the stored tables, and from nothing else: every figure printed is read
 * from a {@link TableResult}, and every sentence about the paper comes from {@link PaperFigures} or from
 * the table's own notes in {@link ReproTable}.
 */
public final class ResultsMarkdown {

    private ResultsMarkdown() {
    }

    /** The heading of a table's section. */
    public static String heading(ReproTable table) {
        return "## " + table.heading().title();
    }

    public static String render(List<TableResult> tables) {
        StringBuilder s = new StringBuilder();
        introduction(s, tables);
        sources(s);
        protocol(s, tables);
        summary(s, tables);
        for (ReproTable t : ReproTable.values()) {
            TableResult r = find(tables, t);
            if (r != null) {
                section(s, t, r);
            }
        }
        return s.toString();
    }

    /** What the file is, how to regenerate it, and the tables' wall time. */
    private static void introduction(StringBuilder s, List<TableResult> tables) {
        boolean quick = tables.stream().anyMatch(t -> t.protocol().quick());
        s.append("# Reproducing ODF2NNA's experiments\n\n");
        s.append("This file is written by `bin/odf2nna-onnx reproduce` from the figures it measured, which are kept "
                + "as JSON in `results/` beside it; nothing here is typed by hand. It redoes each experiment of "
                + "Balderas, Lastra & Benítez, *Optimizing dense feed-forward neural networks* (Neural Networks, "
                + "2023; arXiv 2312.10560) on the data in `../shared`, with this tool's own pipelines.\n\n");
        if (quick) {
            s.append("**These figures come from `--quick` runs: tiny budgets that check the harness works. They "
                    + "reproduce nothing.**\n\n");
        }
        s.append("Regenerate everything (after `./mvnw -q -B package -DskipTests`):\n\n");
        s.append("    bin/odf2nna-onnx reproduce all\n\n");
        s.append("or one table at a time with the command given under each table (the file is rewritten after "
                + "every data set, from all tables stored so far). Wall time of the tables below, as measured: "
                + time(tables.stream().mapToDouble(TableResult::seconds).sum()) + ".\n\n");
    }

    /** Where the paper's figures were looked for, and what was found. */
    private static void sources(StringBuilder s) {
        s.append("## Where the paper's figures come from\n\n");
        s.append("The paper's tables were searched for in the stored public material this project can consult "
                + "(web pages, documentation, code and issue corpora; queries on the title, arXiv 2312.10560, "
                + "ODF2NNA, the authors, and each table's data sets). What was found:\n\n");
        for (PaperFigures.Source source : PaperFigures.SOURCES) {
            s.append("- <").append(source.url()).append(">: ").append(source.held()).append('\n');
        }
        s.append("\nNone of the paper's Tables 1–12, its ε values per data set, its epochs or its splits were in "
                + "that material, so **every \"paper\" cell below reads \"").append(PaperFigures.NOT_AVAILABLE)
                .append("\" (").append(PaperFigures.NOT_AVAILABLE_NOTE).append(")** and no paper number is "
                + "guessed. The one quantitative statement found is the abstract's:\n\n");
        s.append("> ").append(PaperFigures.CLAIM).append("\n\n");
        s.append("Each chosen model's \"differs\" note checks it against that claim (more than ")
                .append(fmt0(PaperFigures.CLAIMED_REDUCTION_PERCENT)).append("% fewer parameters, test accuracy not "
                + "below the original's, or for regression a test MSE not above it) and says why it falls short "
                + "where it does. Rows that the rule did not choose get a note on what the rule saw.\n\n");
    }

    /** How every table was measured: data, what chooses, the columns, the defaults beside, the seeds. */
    private static void protocol(StringBuilder s, List<TableResult> tables) {
        s.append("## Protocol\n\n");
        s.append("- **Data**: the seeded 80/20 splits in `../shared/data/splits`, or the given train/test files "
                + "(MNIST's official split, poker, HIGGS), target in the last column.\n");
        s.append("- **Test rows never choose anything.** Units are scored, and the ε grid is derived, on the "
                + "training rows; 20% of the training file (seeded) is held out as validation rows, on which "
                + "training stops early, the best epoch is kept and the model is chosen; the test rows are only "
                + "measured on (OR, PWR, PR, scratch).\n");
        s.append("- **The choice** (the tool's `sweep` rule): the smallest pruned-and-retrained model whose "
                + "validation accuracy is within 1 point of the original's and that changes the predicted class of "
                + "at most 1% of the training file's rows (validation rows first, at most 10,000 rows); for "
                + "regression, validation MSE within 10% of the original's. It is "
                + "stricter than picking ε after seeing every ε's test figures, and its second condition (changed "
                + "predictions) is what most often stops it at a smaller model: the \"differs\" notes of the rows "
                + "it passed over give both figures, and each table's \"In hindsight\" line shows how far the "
                + "test rows would have allowed pruning to go.\n");
        s.append("- **OR** is the original (general, or given) model on the test rows, **PWR** the pruned model "
                + "without retraining, **PR** pruned and retrained (15% of the original's epochs, starting from the "
                + "pruned, bias-folded weights); **scratch** is the chosen topology trained from Glorot-initialised "
                + "weights with the retraining budget (the same epochs, batch and learning rate 0.001), as the "
                + "paper's §5 compares them; the paper's own scratch budget is not available here, and on the "
                + "smallest data sets this budget is a few dozen Adam steps.\n");
        s.append("- **The tool's defaults** run beside the paper's rule on the same model, training, validation "
                + "and test rows (a plain `sweep`: progressive pruning steered on training rows, least squares, "
                + "distillation, and the smallest round the validation rows certify to keep a "
                + "new set of as many rows within the tolerance, each round at its own part of one 5%; validation rows too few "
                + "to certify that, or ones the original was trained on, write nothing; see README), where the time "
                + "allows; each table says which.\n");
        s.append("- **Seeds** are fixed (seed 0 for every split, initialisation and shuffle); on CPU the same seed "
                + "gives the same bytes.\n");
        if (!tables.isEmpty()) {
            s.append("- **Pruning score and compensation used by these figures**: ")
                    .append(tables.get(0).protocol().method())
                    .append(".\n");
        }
        s.append('\n');
    }

    /** One row per table: run or not, its data sets, wall time and command. */
    private static void summary(StringBuilder s, List<TableResult> tables) {
        s.append("## Summary\n\n");
        header(s, "table", "paper's tables", "data sets", "wall time", "regenerate");
        for (ReproTable t : ReproTable.values()) {
            TableResult r = find(tables, t);
            Results.Heading heading = t.heading();
            if (r == null) {
                s.append("| ").append(heading.title()).append(" | ").append(heading.paperTables())
                        .append(" | not run yet | | `bin/odf2nna-onnx reproduce ").append(heading.id()).append("` |\n");
            } else {
                s.append("| [").append(heading.title()).append("](#").append(anchor(heading.title())).append(") | ")
                        .append(r.heading().paperTables()).append(" | ").append(String.join(", ", r.datasets().stream()
                                .map(DatasetResult::id).toList())).append(" | ").append(time(r.seconds()))
                        .append(" | `").append(r.protocol().command()).append("` |\n");
            }
        }
        s.append('\n');
    }

    /** A table's section: how to regenerate it, its figures, and why they may differ from the paper's. */
    private static void section(StringBuilder s, ReproTable t, TableResult r) {
        s.append(heading(t)).append("\n\n");
        header(s, r);
        switch (t) {
            case TABLE1 -> chosenTable(s, r, false);
            case TABLE3 -> chosenTable(s, r, true);
            case LENET -> perEpsilon(s, r, Columns.LENET);
            case SPAMBASE, POKER -> perEpsilon(s, r, Columns.ACCURACY);
            case HIGGS -> perEpsilon(s, r, Columns.AUC);
            case REGRESSION -> perEpsilon(s, r, Columns.MSE);
            default -> throw new IllegalStateException(t.toString());
        }
        measured(s, r);
        defaults(s, r);
        s.append("**Why our figures may differ from the paper's** (as far as is known here):\n\n");
        s.append(t.reasons()).append('\n');
    }

    private static TableResult find(List<TableResult> tables, ReproTable t) {
        return tables.stream().filter(r -> r.heading().id().equals(t.heading().id())).findFirst().orElse(null);
    }

    private static void header(StringBuilder s, TableResult r) {
        s.append("Regenerate: `").append(r.protocol().command()).append("` (wall time ").append(time(r.seconds()))
                .append(": ");
        List<String> parts = new ArrayList<>();
        for (DatasetResult d : r.datasets()) {
            parts.add(d.id() + " " + time(d.run().seconds() + (d.defaults() == null ? 0 : d.defaults().seconds())));
        }
        s.append(String.join(", ", parts)).append(")");
        if (r.protocol().quick()) {
            s.append(" — **--quick: a smoke test, not a reproduction**");
        }
        s.append(".\n\n");
        List<String> separate = new ArrayList<>();
        for (DatasetResult d : r.datasets()) {
            if (!d.run().command().equals(r.protocol().command())) {
                separate.add(d.id() + " by `" + d.run().command() + "` (" + d.run().finished() + ")");
            }
        }
        if (!separate.isEmpty()) {
            s.append("Figures last measured separately: ").append(String.join("; ", separate)).append(".\n\n");
        }
        s.append("Settings: ").append(r.protocol().settings()).append(". Measured with ").append(r.toolVersion())
                .append(" on ")
                .append(r.machine()).append(", finished ").append(r.datasets().isEmpty() ? "-"
                        : r.datasets().get(r.datasets().size() - 1).run().finished()).append(".\n\n");
    }

    /** Tables that show, per data set or architecture, the model the rule chose (Tables 1 and 3). */
    private static void chosenTable(StringBuilder s, TableResult r, boolean error) {
        String metric = error ? "error" : "accuracy";
        if (error) {
            header(s, "hidden layers", "architecture (general → chosen)", "weights kept", "OR error", "PWR error",
                    "PR error", "scratch error", "retraining epochs", "paper (error, weights kept)", "differs");
        } else {
            header(s, "data set", "architecture (general → chosen)", "parameters", "reduction", "OR accuracy",
                    "PWR accuracy", "PR accuracy", "OR F1", "PR F1", "scratch accuracy",
                    "paper (architecture, accuracy, F1)", "differs");
        }
        for (DatasetResult d : r.datasets()) {
            Row c = d.chosenRow();
            Figures or = d.original().test();
            String scratch = d.outcome().scratch() == null ? "-" : error ? err(d.outcome().scratch().test().accuracy())
                    : pct(d.outcome().scratch().test().accuracy());
            if (error) {
                s.append("| ").append(d.original().architecture().split("-").length - 2).append(" | ")
                        .append(d.original().architecture()).append(" → ")
                        .append(c == null ? "none chosen" : c.size().architecture()).append(" | ")
                        .append(c == null ? "-" : pct((double) c.size().weights() / d.original().weights()))
                        .append(" | ")
                        .append(err(or.accuracy())).append(" | ").append(c == null ? "-" : err(c.pwr().accuracy()))
                        .append(" | ").append(c == null ? "-" : err(c.pr().accuracy())).append(" | ").append(scratch)
                        .append(" | ")
                        .append(c == null ? "-" : c.retrained().epochsRun() + " of " + d.method().retrainEpochs())
                        .append(" | ").append(PaperFigures.NOT_AVAILABLE).append(" | ").append(chosenNote(d))
                        .append(" |\n");
            } else {
                s.append("| ").append(d.id()).append(" | ").append(d.original().architecture()).append(" → ")
                        .append(c == null ? "none chosen" : c.size().architecture()).append(" | ")
                        .append(d.original().parameters()).append(" → ")
                        .append(c == null ? "-" : Long.toString(c.size().parameters())).append(" | ")
                        .append(c == null ? "-" : fmt1(c.size().reductionPercent()) + "%").append(" | ")
                        .append(pct(or.accuracy())).append(" | ").append(c == null ? "-" : pct(c.pwr().accuracy()))
                        .append(" | ").append(c == null ? "-" : pct(c.pr().accuracy())).append(" | ")
                        .append(num(or.macroF1())).append(" | ").append(c == null ? "-" : num(c.pr().macroF1()))
                        .append(" | ").append(scratch).append(" | ").append(PaperFigures.NOT_AVAILABLE).append(" | ")
                        .append(chosenNote(d)).append(" |\n");
            }
        }
        s.append('\n');
        for (DatasetResult d : r.datasets()) {
            s.append("<details><summary>").append(d.id()).append(": every ε, and how the model was built and chosen"
                    + "</summary>\n\n");
            datasetLines(s, d);
            perEpsilonRows(s, d, error ? Columns.ERROR : Columns.ACCURACY);
            s.append("</details>\n\n");
        }
        s.append("Every ").append(metric).append(" is measured on the test rows. ");
        s.append("\"").append(PaperFigures.NOT_AVAILABLE).append("\": ").append(PaperFigures.NOT_AVAILABLE_NOTE)
                .append(".\n\n");
    }

    private enum Columns { ACCURACY, ERROR, LENET, AUC, MSE }

    /** Tables that list every ε (Tables 4–12). */
    private static void perEpsilon(StringBuilder s, TableResult r, Columns columns) {
        for (DatasetResult d : r.datasets()) {
            if (r.datasets().size() > 1 || columns == Columns.MSE) {
                s.append("### ").append(d.id()).append("\n\n");
            }
            datasetLines(s, d);
            perEpsilonRows(s, d, columns);
        }
        s.append("\"").append(PaperFigures.NOT_AVAILABLE).append("\": ").append(PaperFigures.NOT_AVAILABLE_NOTE)
                .append(". ✔ marks the model the rule chose.\n\n");
    }

    private static void datasetLines(StringBuilder s, DatasetResult d) {
        s.append("- Data: `").append(d.data().train()).append("` (").append(d.data().trainRows())
                .append(" rows for the Adam steps, ")
                .append(d.data().validationRows()).append(" validation rows), test `").append(d.data().test())
                .append("` (")
                .append(d.data().testRows()).append(" rows); ").append(d.data().task()).append(".\n");
        for (String note : d.run().notes()) {
            s.append("- ").append(note).append(".\n");
        }
        if (d.general() != null) {
            Results.General g = d.general();
            s.append("- General model ").append(d.original().architecture()).append(", ")
                    .append(d.original().parameters()).append(" parameters (").append(g.sizing()).append("); trained ")
                    .append(g.epochsRun()).append(" of at most ").append(g.maxEpochs()).append(" epochs, kept epoch ")
                    .append(g.bestEpoch()).append(", validation ").append(d.classification() ? pct(g.validation())
                            : "MSE " + num(g.validation())).append(".\n");
        } else {
            s.append("- Given model ").append(d.original().architecture()).append(", ").append(d.original().parameters())
                    .append(" parameters; validation ")
                    .append(d.classification() ? pct(d.outcome().originalValidation())
                            : "MSE " + num(d.outcome().originalValidation())).append(".\n");
        }
        s.append("- OR on the test rows: ").append(describe(d.original().test())).append(".\n");
        s.append("- Retraining: ").append(d.method().retraining()).append(".\n");
        s.append("- ε: ").append(d.method().grid()).append(".\n");
        s.append("- Choice: ").append(d.outcome().choice()).append(".\n");
        if (d.outcome().scratch() != null) {
            s.append("- Scratch: ").append(d.outcome().scratch().architecture()).append(" from random weights, ")
                    .append(d.outcome().scratch().epochsRun()).append(" epochs: ")
                    .append(describe(d.outcome().scratch().test()))
                    .append(".\n");
        }
        s.append("- Wall time ").append(time(d.run().seconds())).append("; measured by `").append(d.run().command())
                .append("`.\n\n");
    }

    private static void perEpsilonRows(StringBuilder s, DatasetResult d, Columns columns) {
        Figures or = d.original().test();
        switch (columns) {
            case ACCURACY -> {
                header(s, "ε", "architecture", "parameters", "reduction", "OR accuracy", "PWR accuracy", "PR accuracy",
                        "PR F1", "retraining epochs", "chosen", "paper", "differs");
                row(s, "original", d.original().architecture(), d.original().parameters(), "", pct(or.accuracy()), "",
                        "", num(or.macroF1()), "", "", PaperFigures.NOT_AVAILABLE, "");
            }
            case ERROR -> {
                header(s, "ε", "architecture", "weights kept", "OR error", "PWR error", "PR error", "retraining epochs",
                        "chosen", "paper", "differs");
                row(s, "original", d.original().architecture(), "100%", err(or.accuracy()), "", "", "", "",
                        PaperFigures.NOT_AVAILABLE, "");
            }
            case LENET -> {
                header(s, "ε", "architecture", "parameters", "compression ratio", "weights kept",
                        "error after pruning (PWR)", "error after retraining (PR)", "retraining epochs", "chosen",
                        "paper", "differs");
                row(s, "original", d.original().architecture(), d.original().parameters(), "1×", "100%",
                        err(or.accuracy()) + " (OR)", "", "", "", PaperFigures.NOT_AVAILABLE, "");
            }
            case AUC -> {
                header(s, "ε", "architecture", "parameters", "reduction", "OR accuracy", "PWR accuracy", "PR accuracy",
                        "OR AUC", "PWR AUC", "PR AUC", "chosen", "paper", "differs");
                row(s, "original", d.original().architecture(), d.original().parameters(), "", pct(or.accuracy()), "",
                        "", num(or.auc()), "", "", "", PaperFigures.NOT_AVAILABLE, "");
            }
            case MSE -> {
                header(s, "ε", "architecture", "parameters", "reduction", "OR MSE", "PWR MSE", "PR MSE",
                        "retraining epochs", "chosen", "paper", "differs");
                row(s, "original", d.original().architecture(), d.original().parameters(), "", num(or.mse()), "", "",
                        "", "", PaperFigures.NOT_AVAILABLE, "");
            }
            default -> throw new IllegalStateException(columns.toString());
        }
        for (int i = 0; i < d.outcome().rows().size(); i++) {
            Row r = d.outcome().rows().get(i);
            String chosen = d.outcome().chosen() != null && d.outcome().chosen() == i ? "✔" : "";
            String epochs = r.retrained().epochsRun() + " of " + d.method().retrainEpochs();
            String note = rowNote(d, i);
            String eps = num(r.epsilon());
            String paper = PaperFigures.NOT_AVAILABLE;
            Results.Size size = r.size();
            switch (columns) {
                case ACCURACY -> row(s, eps, size.architecture(), size.parameters(),
                        fmt1(size.reductionPercent()) + "%",
                        pct(or.accuracy()), pct(r.pwr().accuracy()), pct(r.pr().accuracy()), num(r.pr().macroF1()),
                        epochs, chosen, paper, note);
                case ERROR -> row(s, eps, size.architecture(), pct((double) size.weights() / d.original().weights()),
                        err(or.accuracy()), err(r.pwr().accuracy()), err(r.pr().accuracy()), epochs, chosen, paper,
                        note);
                case LENET -> row(s, eps, size.architecture(), size.parameters(),
                        fmt2((double) d.original().parameters() / size.parameters()) + "×",
                        pct((double) size.weights() / d.original().weights()), err(r.pwr().accuracy()),
                        err(r.pr().accuracy()), epochs, chosen, paper, note);
                case AUC -> row(s, eps, size.architecture(), size.parameters(), fmt1(size.reductionPercent()) + "%",
                        pct(or.accuracy()), pct(r.pwr().accuracy()), pct(r.pr().accuracy()), num(or.auc()),
                        num(r.pwr().auc()), num(r.pr().auc()), chosen, paper, note);
                case MSE -> row(s, eps, size.architecture(), size.parameters(), fmt1(size.reductionPercent()) + "%",
                        num(or.mse()), num(r.pwr().mse()), num(r.pr().mse()), epochs, chosen, paper, note);
                default -> throw new IllegalStateException(columns.toString());
            }
        }
        s.append('\n');
    }

    /** A Markdown table's header: the column names, then the line that makes them a header. */
    private static void header(StringBuilder s, String... columns) {
        row(s, (Object[]) columns);
        s.append('|').append("---|".repeat(columns.length)).append('\n');
    }

    /** One row of a Markdown table: its cells between pipes, each as text. */
    private static void row(StringBuilder s, Object... cells) {
        s.append("| ");
        for (int i = 0; i < cells.length; i++) {
            s.append(i == 0 ? "" : " | ").append(cells[i]);
        }
        s.append(" |\n");
    }

    /** The measured outcome of the table in one paragraph, from its figures. */
    private static void measured(StringBuilder s, TableResult r) {
        List<String> parts = new ArrayList<>();
        for (DatasetResult d : r.datasets()) {
            Row c = d.chosenRow();
            if (c == null) {
                parts.add(d.id() + ": no model chosen");
                continue;
            }
            parts.add(d.id() + ": " + fmt1(c.size().reductionPercent()) + "% fewer parameters, " + change(d, c.pr()));
        }
        s.append("**Measured** (chosen models, test rows): ").append(String.join("; ", parts)).append(".\n\n");
        List<String> hindsight = new ArrayList<>();
        for (DatasetResult d : r.datasets()) {
            Row best = hindsight(d);
            if (best != null) {
                hindsight.add(d.id() + ": " + fmt1(best.size().reductionPercent()) + "% at ε = " + num(best.epsilon())
                        + " (" + change(d, best.pr()) + ")");
            }
        }
        if (!hindsight.isEmpty()) {
            s.append("**In hindsight** (test rows, so not a choice the method could make; the paper's per-ε tables "
                    + "also report test figures for every ε): the largest reduction whose PR stays within "
                    + "1 accuracy point, or 10% of MSE, of OR: ").append(String.join("; ", hindsight)).append(".\n\n");
        }
    }

    /** The paper's rule and the tool's defaults side by side, on the same model and rows. */
    private static void defaults(StringBuilder s, TableResult r) {
        if (r.datasets().stream().allMatch(d -> d.defaults() == null)) {
            s.append("**The tool's defaults** were not run on this table (").append(r.datasets().stream()
                    .anyMatch(d -> d.general() != null && d.original().architecture().contains("1000"))
                    ? "progressive rounds retraining 1000-unit networks on 60,000 rows take hours on 2 cores"
                    : "figures measured before they were added").append(").\n\n");
            return;
        }
        s.append("**The tool's defaults beside the paper's rule** (a plain `sweep`: progressive pruning, least "
                + "squares, retraining towards the original's outputs, steered on training rows; the smallest round "
                + "the same validation rows certify to keep a new set of as many rows within 1 "
                + "accuracy point or 10% of MSE, each round at its own part of one 5%; test rows only reported):\n\n");
        header(s, "data set", "paper's rule: chosen", "test vs OR", "defaults: chosen", "test vs OR", "rounds", "time");
        for (DatasetResult d : r.datasets()) {
            Row c = d.chosenRow();
            Results.Defaults n = d.defaults();
            s.append("| ").append(d.id()).append(" | ");
            s.append(c == null ? "none" : fmt1(c.size().reductionPercent()) + "% (" + c.size().architecture() + ")")
                    .append(" | ");
            s.append(c == null ? "-" : change(d, c.pr()).replace("PR ", "")).append(" | ");
            if (n == null) {
                s.append("not run | - | - | - |\n");
                continue;
            }
            s.append(n.architecture() == null ? nothingWritten(n) : fmt1(n.reductionPercent()) + "% ("
                    + n.architecture() + ")").append(" | ");
            s.append(n.test() == null ? "-" : change(d, n.test()).replace("PR ", "")).append(" | ");
            s.append(n.rounds()).append(" | ").append(time(n.seconds())).append(" |\n");
        }
        s.append('\n');
    }

    /** Why the defaults wrote nothing, in a few words (the whole reason is in the JSON). */
    static String nothingWritten(Results.Defaults n) {
        String choice = n.choice() == null ? "" : n.choice();
        if (choice.contains("most likely trained on them")) {
            return "nothing written (exit 3): the original was trained on the validation rows";
        }
        if (choice.contains("cannot certify")) {
            return "nothing written (exit 3): too few validation rows to certify";
        }
        return "nothing written (exit 3): no round held";
    }

    /** The row with the most parameters removed whose PR is within 1 point (10% of MSE) of OR on the test rows. */
    static Row hindsight(DatasetResult d) {
        Figures or = d.original().test();
        Row best = null;
        for (Row r : d.outcome().rows()) {
            boolean within = d.classification() ? r.pr().accuracy() >= or.accuracy() - 0.01 - 1e-12
                    : r.pr().mse() <= or.mse() * 1.10;
            if (within && (best == null || r.size().parameters() < best.size().parameters())) {
                best = r;
            }
        }
        return best;
    }

    /** PR against OR: accuracy points, or MSE change in percent. */
    static String change(DatasetResult d, Figures f) {
        Figures or = d.original().test();
        if (d.classification()) {
            double points = 100 * (f.accuracy() - or.accuracy());
            return "PR " + signed(points) + " accuracy points vs OR";
        }
        double percent = 100 * (f.mse() / or.mse() - 1);
        return "PR MSE " + signed(percent) + "% vs OR";
    }

    /** The note on the chosen model of a data set, checked against the abstract's claim. */
    static String chosenNote(DatasetResult d) {
        if (d.outcome().chosen() == null) {
            return "no paper figure to compare; no model passed the choice rule (" + d.outcome().choice() + ")";
        }
        return rowNote(d, d.outcome().chosen());
    }

    /** What a row shows against the paper (no figure) and against the rule, with the likely reason. */
    static String rowNote(DatasetResult d, int index) {
        Row r = d.outcome().rows().get(index);
        Figures or = d.original().test();
        boolean chosen = d.outcome().chosen() != null && d.outcome().chosen() == index;
        List<String> notes = new ArrayList<>();
        notes.add("no paper figure to compare");
        if (chosen) {
            boolean notWorse = d.classification() ? r.pr().accuracy() >= or.accuracy() : r.pr().mse() <= or.mse();
            boolean enough = r.size().reductionPercent() > PaperFigures.CLAIMED_REDUCTION_PERCENT;
            if (enough && notWorse) {
                notes.add("meets the abstract's claim (>70% fewer parameters, " + (d.classification()
                        ? "no test accuracy lost)" : "test MSE not above OR's)"));
            } else {
                List<String> shortOf = new ArrayList<>();
                if (!enough) {
                    boolean smallerExist = d.outcome().rows().stream()
                            .anyMatch(o -> o.size().parameters() < r.size().parameters());
                    shortOf.add(fmt1(r.size().reductionPercent()) + "% fewer parameters, not >70%: " + (smallerExist
                            ? "every smaller model failed the validation rule" : "no ε of the grid pruned more"));
                }
                if (!notWorse) {
                    shortOf.add(change(d, r.pr()) + " on the test rows, while on the " + d.data().validationRows()
                            + " validation rows it scored " + validation(d, r.retrained().validationAfter())
                            + " against OR's " + validation(d, d.outcome().originalValidation())
                            + " (the rule cannot see test rows)");
                }
                notes.add("short of the abstract's claim: " + String.join("; ", shortOf));
            }
        } else {
            Row c = d.chosenRow();
            if (c == null || r.size().parameters() < c.size().parameters()) {
                notes.add("failed the choice rule: validation " + validation(d, r.retrained().validationAfter())
                        + " vs OR's " + validation(d, d.outcome().originalValidation()) + (d.classification() ? ", "
                                + pct(r.retrained().changeFromOriginal()) + " of training rows changed class" : ""));
            } else {
                notes.add("larger than the chosen model");
            }
        }
        if (d.classification()) {
            notes.add("retraining " + signed(100 * (r.pr().accuracy() - r.pwr().accuracy())) + " points (PWR → PR)");
        } else {
            notes.add("retraining " + signed(100 * (r.pr().mse() / r.pwr().mse() - 1)) + "% MSE (PWR → PR)");
        }
        return String.join("; ", notes);
    }

    private static String validation(DatasetResult d, double v) {
        return d.classification() ? pct(v) : "MSE " + num(v);
    }

    static String describe(Figures f) {
        if (!Double.isNaN(f.accuracy())) {
            String s = "accuracy " + pct(f.accuracy()) + ", macro F1 " + num(f.macroF1());
            if (!Double.isNaN(f.auc())) {
                s += ", ROC AUC " + num(f.auc());
            }
            return s;
        }
        return "MSE " + num(f.mse()) + ", MAE " + num(f.mae()) + ", R² " + num(f.r2());
    }

    /** Accuracy as a percentage with two decimals. */
    public static String pct(double fraction) {
        return ReportFormat.percent(fraction);
    }

    /** Error (1 − accuracy) as a percentage with two decimals. */
    public static String err(double accuracy) {
        return Double.isNaN(accuracy) ? "-" : ReportFormat.percent(1 - accuracy);
    }

    /** Four significant digits (ReportFormat's numbers). */
    public static String num(double v) {
        return ReportFormat.number(v);
    }

    static String fmt0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String fmt1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String signed(double v) {
        return String.format(Locale.ROOT, "%+.2f", v);
    }

    /** Seconds as "42 s", "3 min 05 s" or "1 h 02 min". */
    public static String time(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** GitHub's anchor for a heading. */
    static String anchor(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} -]", "").replace(' ', '-');
    }
}
