package org.odf2nna.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.Setting;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.metrics.Metrics;

/** Renders reports as the plain-text tables the paper prints, and as JSON. */
public final class ReportFormat {

    private ReportFormat() {
    }

    /** JSON with NaN and infinities written as null (JSON has no numbers for them) and settings in plain words. */
    public static Gson gson() {
        TypeAdapter<Double> doubles = new TypeAdapter<>() {
            @Override
            public void write(JsonWriter out, Double value) throws IOException {
                if (value == null || value.isNaN() || value.isInfinite()) {
                    out.nullValue();
                } else {
                    out.value(value);
                }
            }

            @Override
            public Double read(JsonReader in) throws IOException {
                if (in.peek() == com.google.gson.stream.JsonToken.NULL) {
                    in.nextNull();
                    return Double.NaN;
                }
                return in.nextDouble();
            }
        };
        // A JSON report is read by programs, not by the command line, so settings are named in plain words.
        TypeAdapter<String> strings = new TypeAdapter<String>() {
            @Override
            public void write(JsonWriter out, String value) throws IOException {
                out.value(Setting.plain(value));
            }

            @Override
            public String read(JsonReader in) throws IOException {
                return in.nextString();
            }
        }.nullSafe();
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
                .registerTypeAdapter(String.class, strings)
                .registerTypeAdapter(Double.class, doubles)
                .registerTypeAdapter(double.class, doubles)
                .registerTypeAdapterFactory(new InlineParts())
                .create();
    }

    /** A report as JSON, with {@link ReportSchema#FIELD} first. */
    public static String json(Object report) {
        Gson gson = gson();
        return gson.toJson(ReportSchema.versioned(gson, report)) + "\n";
    }

    public static String table(ShrinkReport report) {
        StringBuilder s = new StringBuilder();
        appendModelLine(s, report.model(), report.original());
        if (report.scoreData() == null) {
            appendDataLine(s, report.data(), report.rows(), report.task());
        } else if (report.data() == null) {
            // A progressive sweep without test rows: they only report, so it runs without them.
            s.append("Data   units scored on ").append(report.scoreData()).append(" (").append(report.rows())
                    .append(" rows, ").append(report.task()).append("); no test rows given, so no OR, PWR or PR "
                    + "(they only report; the validation rows judge)\n");
        } else {
            s.append("Data   units scored on ").append(report.scoreData()).append(" (").append(report.rows())
                    .append(" rows); metrics on ").append(report.data()).append(" (").append(report.task())
                    .append(")\n");
        }
        if (report.data() != null) {
            appendOriginalLine(s, report.originalMetrics());
        }
        if (!report.layers().isEmpty()) {
            appendScoreSpread(s, report);
        }
        s.append('\n');
        appendOutcomes(s, report);
        appendRetraining(s, report.retraining(), report.outcomes().stream()
                .map(o -> new Trained(o.label(), o.training())).toList());
        return s.toString();
    }

    private static void appendModelLine(StringBuilder s, String model, NetworkSummary original) {
        s.append("Model  ").append(model).append("  (").append(original.architecture()).append(", ")
                .append(original.parameters()).append(" parameters)\n");
    }

    private static void appendDataLine(StringBuilder s, String data, long rows, String task) {
        s.append("Data   ").append(data).append("  (").append(rows).append(" rows, ").append(task).append(")\n");
    }

    /** The original's metrics on the rows, with the warning when they look like another model's rows. */
    private static void appendOriginalLine(StringBuilder s, Metrics original) {
        if (original != null) {
            s.append("OR     ").append(describe(original)).append('\n');
            s.append(mismatch(original));
        } else {
            s.append("OR     no target column: metrics left out\n");
        }
    }

    /** The spread of unit scores per hidden layer: what ε is compared with. */
    private static void appendScoreSpread(StringBuilder s, ShrinkReport report) {
        s.append('\n').append("Unit ").append(report.score()).append(report.score().equals("impact")
                ? " (activation std × norm of the outgoing weights)" : "")
                .append(" per hidden layer (what ε is compared with):\n");
        List<String[]> spread = new ArrayList<>();
        spread.add(new String[] {"layer", "node", "units", "min", "median", "max", "constant"});
        for (LayerSpread l : report.layers()) {
            spread.add(new String[] {Integer.toString(l.layer()), l.node(), Integer.toString(l.units()),
                number(l.min()), number(l.median()), number(l.max()), Integer.toString(l.constantUnits())});
        }
        appendColumns(s, spread, "  ");
    }

    /** The shrink table: one row per ε (or step), then its footnote and the compensation line. */
    private static void appendOutcomes(StringBuilder s, ShrinkReport report) {
        Metrics or = report.originalMetrics();
        String metric = or == null ? null : or.primaryName();
        boolean retrained = report.outcomes().stream().anyMatch(o -> o.retrained() != null);
        boolean both = report.outcomes().stream()
                .anyMatch(o -> o.prunedMeanFolding() != null && o.prunedLeastSquares() != null);
        boolean steps = report.outcomes().stream().anyMatch(o -> o.step() != null);
        boolean bounds = report.outcomes().stream().anyMatch(o -> o.bound() != null);
        List<String[]> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of(steps ? "step" : "ε", "parameters", "reduction", "architecture",
                "units kept"));
        appendMetricHeads(head, metric, both, retrained);
        if (bounds) {
            head.add("validation: changed, loss, certifies");
            head.add("holds");
        }
        head.add("output");
        rows.add(head.toArray(new String[0]));
        boolean anyBelow = false;
        for (EpsilonOutcome o : report.outcomes()) {
            List<String> row = new ArrayList<>();
            row.add(steps ? (o.step() != null ? o.step() : number(o.epsilon())) : number(o.epsilon()));
            row.add(report.original().parameters() + " → " + o.network().parameters());
            row.add(String.format(Locale.ROOT, "%.1f%%", o.reductionPercent()));
            row.add(o.network().architecture());
            String kept = unitsKept(o.unitsKept(), report.original().hiddenUnits());
            if (o.layersAllBelowThreshold() > 0) {
                kept += " *";
                anyBelow = true;
            }
            row.add(kept);
            if (metric != null) {
                appendMetricCells(row, or, o.prunedMeanFolding(), o.prunedLeastSquares(), o.pruned(), o.retrained(),
                        both, retrained);
            }
            if (bounds) {
                LossBound b = o.bound();
                row.add(b == null ? "-" : boundCell(b));
                row.add(b == null ? "-" : b.holds() ? "yes" : "no");
            }
            row.add(o.output() == null ? "-" : o.output());
            rows.add(row.toArray(new String[0]));
        }
        appendColumns(s, rows, "  ");
        if (anyBelow) {
            s.append("  * a hidden layer had no unit above ε; it keeps its single highest-scoring unit\n");
        }
        CompensationSettings c = report.compensation();
        if (c != null) {
            s.append('\n').append(compensationLine(c, both, retrained));
        }
    }

    /** The metric columns' heads: the original's, the pruned model's (per compensation when both) and the retrained. */
    private static void appendMetricHeads(List<String> head, String metric, boolean both, boolean retrained) {
        if (metric == null) {
            return;
        }
        head.add("OR " + metric);
        if (both) {
            head.add("PWR " + metric + " mean");
            head.add("PWR " + metric + " lsq");
        } else {
            head.add("PWR " + metric);
        }
        if (retrained) {
            head.add("PR " + metric);
        }
    }

    /** Units kept per hidden layer, each over the original's: {@code 40/100, 12/50}. */
    private static String unitsKept(List<Integer> kept, List<Integer> original) {
        StringBuilder s = new StringBuilder();
        for (int l = 0; l < kept.size(); l++) {
            s.append(l > 0 ? ", " : "").append(kept.get(l)).append('/').append(original.get(l));
        }
        return s.toString();
    }

    /**
     * The metric columns' cells under {@link #appendMetricHeads}' heads: the original's, the pruned model's (per
     * compensation when {@code both}) and, when {@code withRetrained}, the retrained model's; "-" for a missing figure.
     */
    private static void appendMetricCells(List<String> row, Metrics original, Metrics meanFolding,
            Metrics leastSquares, Metrics pruned, Metrics retrained, boolean both, boolean withRetrained) {
        row.add(primary(original));
        if (both) {
            row.add(primaryOrDash(meanFolding));
            row.add(primaryOrDash(leastSquares));
        } else {
            row.add(primaryOrDash(pruned));
        }
        if (withRetrained) {
            row.add(primaryOrDash(retrained));
        }
    }

    private static String primaryOrDash(Metrics m) {
        return m == null ? "-" : primary(m);
    }

    /** The evolve report: the search's progress, then the paper's table for the model written. */
    public static String table(EvolveReport report) {
        StringBuilder s = new StringBuilder();
        EvolveReport.Evaluated evaluated = report.evaluated();
        appendModelLine(s, evaluated.model(), report.original());
        appendDataLine(s, evaluated.data(), evaluated.rows(), evaluated.task());
        appendOriginalLine(s, report.originalMetrics());
        appendSearch(s, report);
        s.append('\n');
        appendEvolveOutcome(s, report);
        appendRetraining(s, report.retraining(), List.of(new Trained("best mask", report.outcome().training())));
        return s.toString();
    }

    /** What the search looked at, its fitness, and the best mask per generation. */
    private static void appendSearch(StringBuilder s, EvolveReport report) {
        EvolveReport.Search search = report.search();
        EvolveReport.Ga ga = search.ga();
        EvolveReport.Fitness fitness = search.fitness();
        boolean features = search.target().equals("features");
        String what = features ? "input features" : "units of hidden layer" + (search.layers().size() > 1 ? "s " : " ")
                + String.join(", ", search.layers().stream().map(String::valueOf).toList());
        s.append('\n').append(String.format(Locale.ROOT, "Search   %s (%d bits): steady-state GA, population %d, "
                + "%d evaluations, uniform crossover, one-bit-flip mutation %s, seed %d%n", what, search.bits(),
                ga.population(), ga.budget(), number(ga.mutation()), ga.seed()));
        boolean accuracy = fitness.fitnessMetric().equals("accuracy");
        int epochs = fitness.fitnessEpochs();
        s.append(String.format(Locale.ROOT, "Fitness  validation %s of the masked network (%s) on %d training rows "
                + "held out; %s%n", fitness.fitnessMetric(), epochs == 0 ? "mean folding, no training"
                        : "mean folding, then " + epochs + " epoch" + (epochs == 1 ? "" : "s") + " of training",
                fitness.validationRows(),
                ga.threads() == 1 ? "one evaluation at a time" : ga.threads() + " evaluations at a time"));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"generation", "evaluations", "best " + fitness.fitnessMetric(),
            features ? "features kept" : "units kept"});
        for (EvolveReport.Generation g : report.generations()) {
            rows.add(new String[] {Integer.toString(g.generation()), Integer.toString(g.evaluations()),
                accuracy ? percent(g.best()) : number(g.best()), g.bestActive() + "/" + search.bits()});
        }
        appendColumns(s, rows, "  ");
        s.append(String.format(Locale.ROOT, "  %d evaluations, %d children answered from the cache%s%n",
                search.effort().evaluations(), search.effort().cacheHits(), search.effort().stalled()
                        ? "; stopped early: the population had converged" : ""));
    }

    /** The paper's table for the model written, then the features kept and the compensation line. */
    private static void appendEvolveOutcome(StringBuilder s, EvolveReport report) {
        EvolveReport.Outcome o = report.outcome();
        EvolveReport.Kept kept = o.kept();
        boolean features = report.search().target().equals("features");
        Metrics or = report.originalMetrics();
        String metric = or == null ? null : or.primaryName();
        boolean both = o.both().prunedMeanFolding() != null && o.both().prunedLeastSquares() != null;
        List<String> head = new ArrayList<>(List.of("parameters", "reduction", "architecture",
                features ? "features kept" : "units kept"));
        appendMetricHeads(head, metric, both, true);
        head.add("output");
        List<String> row = new ArrayList<>();
        row.add(report.original().parameters() + " → " + kept.network().parameters());
        row.add(String.format(Locale.ROOT, "%.1f%%", kept.reductionPercent()));
        row.add(kept.network().architecture());
        row.add(features ? kept.featuresKept().size() + "/" + report.search().bits()
                : unitsKept(kept.unitsKept(), report.original().hiddenUnits()));
        if (metric != null) {
            appendMetricCells(row, or, o.both().prunedMeanFolding(), o.both().prunedLeastSquares(), o.figures().pruned(), o.figures().retrained(), both,
                    true);
        }
        row.add(o.output());
        appendColumns(s, List.of(head.toArray(new String[0]), row.toArray(new String[0])), "  ");
        if (features) {
            s.append(String.format(Locale.ROOT, "  features kept: %s%n", String.join(", ", kept.featuresKept())));
        }
        if (o.compensation() != null) {
            s.append(String.format(Locale.ROOT, "%nCompensation: %s; the written model is retrained from it%n",
                    o.compensation().equals("lsq") ? "least squares (the layer after each pruned one refitted on the "
                            + "training part of the split)" : "mean folding"));
        }
    }

    /**
     * What rows of the user's said of a conversion: "eval" with the original's and the written model's metrics, and
     * "valid" with the promise the validation rows certified; empty without them.
     */
    public static String checks(CheckedConversion checked) {
        StringBuilder s = new StringBuilder();
        if (checked.before() != null) {
            s.append("eval  ").append(checked.eval()).append(": original ").append(describe(checked.before()))
                    .append("; written ").append(describe(checked.after())).append('\n');
        }
        org.odf2nna.metrics.LossBound b = checked.bound();
        if (b != null) {
            boolean regression = "regression".equals(checked.task());
            s.append("valid ").append(b.rows()).append(" validation rows: ").append(regression
                    ? "MSE " + (b.estimate() >= 0 ? "up " : "down ") + number(100 * Math.abs(b.estimate())) + "%"
                    : b.changed() + " predictions changed, loss " + number(100 * b.estimate()) + " points")
                    .append("; the promise holds, at most ").append(number(100 * b.tolerance()))
                    .append(regression ? "% of the MSE" : " points").append(" lost: ").append(b.rule()).append('\n');
        }
        return s.toString();
    }

    /**
     * A warning line when the original does no better than chance on the rows (a model and data that do not belong
     * together: other columns, another column order, another label), or nothing.
     */
    static String mismatch(Metrics original) {
        if (original instanceof Metrics.Classification c && c.classes() > 1 && c.rows() >= 20
                && c.accuracy() <= 1.0 / c.classes()) {
            return String.format(Locale.ROOT, "       warning: the original scores %s, no better than chance among %d "
                    + "classes: are these rows for this model (columns, their order, the label)?%n",
                    percent(c.accuracy()), c.classes());
        }
        return "";
    }

    /**
     * A warning line when the original scores far worse on the rows than the test metric its sidecar records
     * ({@link org.odf2nna.metrics.RecordedMetric}), or nothing.
     *
     * @param recorded the recorded accuracy (a fraction) or MSE, or null when none is recorded
     * @param sidecar  where it is recorded
     */
    public static String recordedMismatch(Metrics original, Double recorded, String sidecar) {
        if (recorded == null || !org.odf2nna.metrics.RecordedMetric.farWorse(original, recorded)) {
            return "";
        }
        if (original instanceof Metrics.Classification c) {
            return String.format(Locale.ROOT, "       warning: the original scores %s here, %s points below the %s "
                    + "accuracy its sidecar %s records (more than chance explains on %d rows): are these rows for "
                    + "this model (columns, their order, the label)?%n", percent(c.accuracy()),
                    number(100 * (recorded - c.accuracy())), percent(recorded), sidecar, c.rows());
        }
        Metrics.Regression r = (Metrics.Regression) original;
        return String.format(Locale.ROOT, "       warning: the original's MSE here, %s, is %s times the %s its sidecar "
                + "%s records: are these rows for this model (columns, their order, the target)?%n", number(r.mse()),
                number(r.mse() / recorded), number(recorded), sidecar);
    }

    /**
     * A long text on lines of its own: a line per sentence, and per layer of a list of layers ("; layer 2 ..."), each
     * after the first indented by {@code indent}; an int8 sweep's choice was one line of 1,500 characters.
     */
    static String lines(String text, String indent) {
        return text.replaceAll("\\. (?=[A-Z])", ".\n" + indent).replaceAll("; (?=layer \\d)", ";\n" + indent);
    }

    private static String compensationLine(CompensationSettings c, boolean both, boolean retrained) {
        String used = c.used().equals("lsq") ? "least squares (each layer after a pruned one refitted to the original's "
                + "pre-activations)" : "mean folding (each dropped unit's mean folded into the next layer's bias)";
        StringBuilder s = new StringBuilder("Compensation: ").append(used).append(retrained
                ? "; the written models start retraining from it" : "; the written models use it");
        if (c.fitData() != null) {
            s.append(String.format(Locale.ROOT, ".%n              Least squares fitted on %s (%d rows, ridge %s)",
                    c.fitData(), c.fitRows(), number(c.ridge())));
        }
        if (both) {
            s.append("; PWR is shown with both");
        }
        return s.append(String.format(Locale.ROOT, ".%n")).toString();
    }

    /** A model the report may have retrained: its label in the report, and its training (null: not retrained). */
    private record Trained(String label, TrainingSummary training) {
    }

    /** When the models were retrained ({@code r} not null): how, then a line per model that was. */
    private static void appendRetraining(StringBuilder s, Retraining r, List<Trained> models) {
        if (r == null) {
            return;
        }
        s.append('\n').append(retrainingLine(r));
        for (Trained m : models) {
            if (m.training() != null) {
                s.append(trainingLine(m.label(), m.training()));
            }
        }
    }

    private static String retrainingLine(Retraining r) {
        Retraining.Rows rows = r.rows();
        Retraining.Steps steps = r.steps();
        // "TRAIN (validation: FILE)": the validation rows are a file of their own, not held out of the training rows.
        boolean ownFile = rows.trainData().endsWith(")") && rows.trainData().contains(" (validation: ");
        return String.format(Locale.ROOT, "Retrained with TensorFlow on %s: %d %s, %d %s; up to %d epochs (%s), batch "
                + "%d, learning rate %s, seed %d%n", rows.trainData(), rows.trainRows(),
                ownFile ? "training rows" : "rows", rows.validationRows(),
                ownFile ? "validation rows" : "held out for validation", steps.epochs(), steps.epochsSource(),
                steps.batchSize(), number(steps.learningRate()), steps.seed()) + (r.signal() == null ? ""
                : "  trained towards " + r.signal() + System.lineSeparator());
    }

    /**
     * Changed predictions, measured loss and the smallest tolerance the rows certify, e.g. "3/460, 0.22, 0.71 pt"
     * (MSE: "+2.1%, 6.3%"; "-" when they certify none).
     */
    static String boundCell(LossBound b) {
        if (b.rows() == 0) {
            return "-";
        }
        boolean classification = b.changed() > 0 || b.lost() > 0 || b.gained() > 0 || b.rule().contains("accuracy")
                || b.rule().contains("changed");
        if (classification) {
            return String.format(Locale.ROOT, "%d/%d, %.2f, %s", b.changed(), b.rows(), 100 * b.estimate(),
                    Double.isNaN(b.certified()) ? "-" : String.format(Locale.ROOT, "%.2f pt", 100 * b.certified()));
        }
        return String.format(Locale.ROOT, "%+.1f%%, %s", 100 * b.estimate(), Double.isNaN(b.certified()) ? "-"
                : String.format(Locale.ROOT, "%.1f%%", 100 * b.certified()));
    }

    private static String trainingLine(String label, TrainingSummary t) {
        boolean accuracy = t.validationMetric().equals("accuracy");
        String rows = TrainingSummary.rowsInWords(t.watchedRows());
        String metric = t.watchedRows().equals("agreement") ? t.validationMetric() + " from the original"
                : t.validationMetric();
        return String.format(Locale.ROOT, "  %s: %d epochs run, kept epoch %d; %s %s %s → %s%n",
                label, t.epochsRun(), t.bestEpoch(), rows, metric,
                accuracy ? percent(t.validationBefore()) : number(t.validationBefore()),
                accuracy ? percent(t.validationAfter()) : number(t.validationAfter()));
    }

    public static String run(RunReport run) {
        BuildSummary g = run.general();
        StringBuilder s = new StringBuilder();
        s.append("General model  ").append(g.output()).append(": ").append(g.network().architecture()).append(", ")
                .append(g.network().parameters()).append(" parameters (").append(g.sizing()).append(")\n");
        s.append(String.format(Locale.ROOT, "               trained %d epochs (kept epoch %d) on %d rows; validation "
                + "%s %s on %d held-out rows%n%n", g.training().epochsRun(), g.training().bestEpoch(),
                g.split().trainRows(), g.training().validationMetric(),
                g.training().validationMetric().equals("accuracy") ? percent(g.training().validationAfter())
                        : number(g.training().validationAfter()),
                g.split().validationRows()));
        s.append(SweepTables.sweep(run.sweep()));
        return s.toString();
    }

    /** The metric a table leads with: accuracy in percent, MSE as a number. */
    public static String primary(Metrics m) {
        if (m instanceof Metrics.Classification c) {
            return percent(c.accuracy());
        }
        return number(m.primaryValue());
    }

    public static String describe(Metrics m) {
        if (m instanceof Metrics.Classification c) {
            String s = "accuracy " + percent(c.accuracy()) + ", macro F1 " + number(c.macroF1());
            if (!Double.isNaN(c.rocAuc())) {
                s += ", ROC AUC " + number(c.rocAuc());
            }
            return s;
        }
        if (m instanceof Metrics.Detection d) {
            return String.format(Locale.ROOT, "mAP50 %.4f, mAP50-95 %.4f (%d classes, %d boxes, %d detections)",
                    d.map50(), d.map50to95(), d.classes(), d.truths(), d.detections());
        }
        if (m instanceof Metrics.Tokens t) {
            return "perplexity " + number(t.perplexity()) + " (mean cross-entropy " + number(t.meanCrossEntropy())
                    + " nats per token), accuracy " + percent(t.accuracy())
                    + (Double.isNaN(t.macroF1()) ? "" : ", macro F1 " + number(t.macroF1()));
        }
        Metrics.Regression r = (Metrics.Regression) m;
        return "MSE " + number(r.mse()) + ", MAE " + number(r.mae()) + ", R² " + number(r.r2());
    }

    public static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** Four significant digits, without exponent for ordinary magnitudes. */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e6) {
            String s = String.format(Locale.ROOT, "%.4g", v);
            if (s.contains(".") && !s.contains("e")) {
                s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
            }
            return s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    static void appendColumns(StringBuilder s, List<String[]> rows, String indent) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < columns; c++) {
                line.append(row[c]);
                if (c < columns - 1) {
                    line.append(" ".repeat(width[c] - row[c].length() + 2));
                }
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
