package org.odf2nna.harness.reproduce;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.api.OnnxModel;
import org.odf2nna.api.UnitScores;
import org.odf2nna.api.Writes;
import org.odf2nna.report.BuildSummary;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.RunReport;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * Runs the paper's experiments in-process with the tool's own pipelines ({@link FileWorkflows#run} for the general
 * model, {@link FileWorkflows#sweep} for a given model), keeps each table's figures as JSON in {@code results/} beside
 * the Markdown, and renders {@code RESULTS.md} from all stored tables.
 *
 * <p>The protocol is the tool's: units are scored and ε derived on the training rows, the model is chosen
 * on validation rows held out of the training file, training stops early on those validation rows, and the
 * test rows are only measured on. Every random choice is seeded.
 */
public final class Reproducer {

    private Reproducer() {
    }

    /** What a run did: the tables it (re)measured, and the files it wrote. */
    public record Outcome(List<Results.TableResult> tables, Path markdown, List<Path> json) {
    }

    public static Outcome run(ReproduceOptions options, Progress progress, Consumer<String> log) {
        checkShared(options);
        // Read once, when the run starts: the code that runs is the code as it was then, whatever is edited or
        // committed while a long table runs.
        String version = toolVersion();
        Path folder = options.resultsFolder();
        List<Results.TableResult> measured = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        for (ReproTable table : options.tables()) {
            List<Experiment> experiments = selected(table, options);
            if (experiments.isEmpty()) {
                continue;
            }
            Results.TableResult stored = read(folder.resolve(table.heading().id() + ".json"));
            Map<String, Results.DatasetResult> byId = new LinkedHashMap<>();
            if (stored != null && stored.protocol().quick() == options.quick()) {
                for (Results.DatasetResult d : stored.datasets()) {
                    byId.put(d.id(), d);
                }
            }
            for (Experiment e : experiments) {
                log.accept(String.format(Locale.ROOT, "%s: %s ...", table.heading().id(), e.id()));
                Results.DatasetResult result = run(e, options, progress);
                log.accept(String.format(Locale.ROOT, "%s: %s done in %.0f s", table.heading().id(), e.id(),
                        result.run().seconds()));
                byId.put(e.id(), result);
                // Saved after every data set, so that an interrupted table keeps what it measured.
                Results.TableResult partial = tableResult(table, options, byId, version);
                Path json = folder.resolve(table.heading().id() + ".json");
                write(json, partial);
                render(options.out());
                if (!written.contains(json)) {
                    written.add(json);
                }
            }
            measured.add(read(folder.resolve(table.heading().id() + ".json")));
        }
        render(options.out());
        return new Outcome(measured, options.out(), written);
    }

    /** Re-renders the Markdown from every table stored beside it; returns the tables found. */
    public static List<Results.TableResult> render(Path markdown) {
        List<Results.TableResult> tables = stored(markdown);
        Writes.writeString(markdown, ResultsMarkdown.render(tables));
        return tables;
    }

    /** The tables stored beside {@code markdown}, in the paper's order. */
    public static List<Results.TableResult> stored(Path markdown) {
        Path folder = ReproduceOptions.resultsFolder(markdown);
        List<Results.TableResult> tables = new ArrayList<>();
        for (ReproTable t : ReproTable.values()) {
            Results.TableResult r = read(folder.resolve(t.heading().id() + ".json"));
            if (r != null) {
                tables.add(r);
            }
        }
        return tables;
    }

    public static Results.TableResult read(Path json) {
        if (!Files.isRegularFile(json)) {
            return null;
        }
        try {
            return org.odf2nna.report.ReportSchema.read(gson(), Files.readString(json, StandardCharsets.UTF_8),
                    Results.TableResult.class);
        } catch (IOException | RuntimeException e) {
            throw new InputException(json, null, "cannot read stored results: " + e.getMessage(), e);
        }
    }

    private static void write(Path json, Results.TableResult table) {
        try {
            Files.createDirectories(json.getParent());
        } catch (IOException e) {
            throw new InputException(json.getParent(), null, "cannot create: " + e.getMessage(), e);
        }
        Writes.writeString(json, json(table));
    }

    /**
     * The reports' JSON (NaN written as null), with nulls written out: a figure that does not apply (an AUC
     * for three classes, an MSE for a classifier) must read back as NaN, not as a missing field's 0.
     */
    /** A table as it is stored: JSON with the report schema's version first. */
    static String json(Results.TableResult table) {
        Gson gson = gson();
        return gson.toJson(org.odf2nna.report.ReportSchema.versioned(gson, table)) + "\n";
    }

    static Gson gson() {
        return ReportFormat.gson().newBuilder().serializeNulls().create();
    }

    private static Results.TableResult tableResult(ReproTable table, ReproduceOptions options,
            Map<String, Results.DatasetResult> byId, String version) {
        List<Results.DatasetResult> ordered = new ArrayList<>();
        for (String id : table.datasetIds(options.quick())) {
            if (byId.containsKey(id)) {
                ordered.add(byId.get(id));
            }
        }
        return new Results.TableResult(table.heading(), new Results.Protocol(options.tableCommand(table),
                options.quick(), table.settings(options.quick()), method()), version, machine(), ordered);
    }

    private static List<Experiment> selected(ReproTable table, ReproduceOptions options) {
        List<Experiment> all = table.experiments(options.quick());
        if (options.only().isEmpty()) {
            return all;
        }
        return all.stream().filter(e -> options.only().contains(e.id())).toList();
    }

    private static void checkShared(ReproduceOptions options) {
        Path shared = options.shared();
        if (!Files.isDirectory(shared.resolve("data")) || !Files.isDirectory(shared.resolve("models"))) {
            throw new InputException(shared, null, "is not the shared folder: it needs data/ (with data/splits/) and "
                    + "models/; give it with --shared");
        }
        List<String> known = new ArrayList<>();
        for (ReproTable t : options.tables()) {
            known.addAll(t.datasetIds(options.quick()));
        }
        for (String id : options.only()) {
            if (!known.contains(id)) {
                throw InputException.usage("--only: '" + id + "' is not a data set of the tables asked for; choose "
                        + "from " + String.join(", ", known));
            }
        }
        for (ReproTable t : options.tables()) {
            for (Experiment e : selected(t, options)) {
                for (String file : e.model() == null ? new String[] {e.data().train(), e.data().test()}
                        : new String[] {e.data().train(), e.data().test(), e.model()}) {
                    if (!Files.exists(shared.resolve(file))) {
                        throw new InputException(shared.resolve(file), null, "not found (needed by "
                                + t.heading().id() + ", " + e.id() + ")");
                    }
                }
            }
        }
    }

    /** One experiment, in a scratch folder that is removed afterwards. */
    static Results.DatasetResult run(Experiment e, ReproduceOptions options, Progress progress) {
        Path work;
        try {
            work = Files.createTempDirectory("odf2nna-reproduce-");
        } catch (IOException x) {
            throw new InputException(null, null, "cannot create a scratch folder: " + x.getMessage(), x);
        }
        long start = System.nanoTime();
        try {
            Path train = options.shared().resolve(e.data().train());
            Path test = options.shared().resolve(e.data().test());
            List<String> notes = new ArrayList<>();
            if (e.data().testClasses() != null) {
                test = validClassRows(test, e.data().testClasses(), work.resolve("test.csv"), notes, e.data().test());
            }
            Path testRows = test;
            SweepReport sweep;
            String grid = null;
            Results.General general = null;
            if (e.buildsGeneralModel()) {
                Experiment.GeneralModel m = e.general();
                BuildSettings build = BuildSettings.builder().layers(m.layers()).units(m.units()).task(e.task())
                        .epochs(m.epochs()).patience(m.patience()).adam(RetrainSettings.builder()
                                .batchSize(e.batchSize()).learningRate(m.learningRate()).seed(options.seed())
                                .validationShare(Experiment.VALIDATION_SHARE).build())
                        .build();
                SweepSettings paper = SweepSettings.builder().schedule(Schedule.EPSILON).epsilons(e.grid().epsilons())
                        .steps(e.grid().steps()).compareScratch(true).pruning(PruningOptions.paper())
                        .retraining(RetrainSettings.builder().batchSize(e.batchSize())
                                .learningRate(Experiment.RETRAIN_LEARNING_RATE).seed(options.seed())
                                .validationShare(Experiment.VALIDATION_SHARE).distillation(Distillation.NONE).build())
                        .build();
                RunFiles files = new RunFiles(train, test, work.resolve("general.onnx"), work.resolve("chosen.onnx"),
                        null, null, new CsvReading(null, 1024));
                RunReport report = FileWorkflows.run(files, build, paper, progress);
                sweep = report.sweep();
                if (e.grid().epsilons().isEmpty() && sweep.table().outcomes().size() < MIN_GRID) {
                    SweepReport wider = widerGrid(e, new Subject(work.resolve("general.onnx"), train, testRows),
                            sweep, options, work, notes, progress);
                    if (wider != sweep) {
                        grid = "ε = 0 and thresholds derived from the spread of the standard deviations of the units "
                                + "that vary on the training rows (" + e.grid().steps() + " steps; see the note above)";
                        sweep = wider;
                    }
                }
                BuildSummary g = report.general();
                TrainingSummary t = g.training();
                general = new Results.General(sizing(g.sizing(), m.units()), m.epochs(), t.epochsRun(), t.bestEpoch(),
                        e.batchSize(), m.learningRate(), m.patience(), t.validationAfter());
            } else {
                RetrainSettings retrain = RetrainSettings.builder().originalEpochs(e.originalEpochs())
                        .batchSize(e.batchSize()).learningRate(Experiment.RETRAIN_LEARNING_RATE).seed(options.seed())
                        .validationShare(Experiment.VALIDATION_SHARE).distillation(Distillation.NONE).build();
                SweepSettings s = SweepSettings.builder().retraining(retrain).epsilons(e.grid().epsilons())
                        .steps(e.grid().steps()).compareScratch(true).task(e.task()).pruning(PruningOptions.paper())
                        .schedule(Schedule.EPSILON).build();
                sweep = FileWorkflows.sweep(files(options.shared().resolve(e.model()), train, testRows,
                        work.resolve("chosen.onnx")), s, progress);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Results.DatasetResult result = result(e, sweep, grid != null ? grid : sweep.grid(), general, seconds,
                    options, notes);
            if (e.runsDefaults()) {
                Path subject = e.buildsGeneralModel() ? work.resolve("general.onnx")
                        : options.shared().resolve(e.model());
                Integer originalEpochs = e.buildsGeneralModel() ? Integer.valueOf(general.epochsRun())
                        : e.originalEpochs();
                result = result.withDefaults(defaults(e, subject, train, originalEpochs, testRows, options, work,
                        progress));
            }
            return result;
        } finally {
            deleteTree(work);
        }
    }

    static Results.DatasetResult result(Experiment e, SweepReport sweep, String grid, Results.General general,
            double seconds, ReproduceOptions options, List<String> notes) {
        ShrinkReport table = sweep.table();
        List<Results.Row> rows = new ArrayList<>();
        for (EpsilonOutcome o : table.outcomes()) {
            TrainingSummary t = o.training();
            rows.add(new Results.Row(o.epsilon(), new Results.Size(o.network().architecture(),
                    o.network().parameters(), weights(o.network().architecture()), o.reductionPercent()),
                    Results.Figures.of(o.pruned()), Results.Figures.of(o.retrained()), new Results.Retrained(
                            t.epochsRun(), t.bestEpoch(), t.validationBefore(), t.validationAfter(),
                            t.changeFromOriginal())));
        }
        Results.Model original = new Results.Model(table.original().architecture(), table.original().parameters(),
                weights(table.original().architecture()), Results.Figures.of(table.originalMetrics()));
        Results.Scratch scratch = sweep.scratch() == null ? null
                : new Results.Scratch(sweep.scratch().architecture(), Results.Figures.of(sweep.scratch().metrics()),
                        sweep.scratch().training().epochsRun());
        org.odf2nna.report.Retraining.Rows r = table.retraining().rows();
        org.odf2nna.report.Retraining.Steps steps = table.retraining().steps();
        String retraining = String.format(Locale.ROOT, "%d epochs (%s), batch %d, learning rate %s, on %d rows; "
                + "%d validation rows", steps.epochs(), steps.epochsSource(), steps.batchSize(),
                ReportFormat.number(steps.learningRate()), r.trainRows(), r.validationRows());
        long testRows = table.originalMetrics() == null ? 0 : table.originalMetrics().rows();
        return new Results.DatasetResult(e.id(), new Results.Data(e.data().train(), e.data().test(), table.task(),
                r.trainRows(), r.validationRows(), testRows), original, general, new Results.Method(grid, retraining,
                steps.epochs()),
                new Results.Outcome(sweep.originalValidation(), rows, sweep.chosen(), sweep.choice(), scratch),
                new Results.Run(seconds, options.invocation(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        notes), null);
    }

    /**
     * A copy of {@code csv} without the rows whose target (last column) is not a class id 0..classes−1; each
     * row left out is described in {@code notes}. Plain-text CSV only.
     */
    static Path validClassRows(Path csv, int classes, Path copy, List<String> notes, String name) {
        List<String> kept = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            kept.add(lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                String target = line.substring(line.lastIndexOf(',') + 1).trim();
                boolean valid;
                try {
                    double v = Double.parseDouble(target);
                    valid = v == Math.rint(v) && v >= 0 && v < classes;
                } catch (NumberFormatException x) {
                    valid = false;
                }
                if (valid) {
                    kept.add(line);
                } else {
                    dropped.add("line " + (i + 1) + " (target " + target + ")");
                }
            }
            Files.write(copy, kept, StandardCharsets.UTF_8);
        } catch (IOException x) {
            throw new InputException(csv, null, "cannot read: " + x.getMessage(), x);
        }
        if (!dropped.isEmpty()) {
            notes.add("Left out of `" + name + "`: " + dropped.size() + " row" + (dropped.size() == 1 ? "" : "s")
                    + " whose target is not a class id 0.." + (classes - 1) + ": " + String.join(", ", dropped.subList(0,
                            Math.min(5, dropped.size()))) + (dropped.size() > 5 ? ", ..." : ""));
        }
        return copy;
    }

    /**
     * The tool's defaults on the same model and rows: a plain {@code sweep} (progressive pruning, least squares,
     * distillation, the certified choice on the same validation rows), with the original's epochs as the paper's rule
     * had them.
     */
    static Results.Defaults defaults(Experiment e, Path model, Path train, Integer originalEpochs, Path testRows,
            ReproduceOptions options, Path work, Progress progress) {
        long start = System.nanoTime();
        RetrainSettings retrain = RetrainSettings.builder().originalEpochs(originalEpochs).batchSize(e.batchSize())
                .learningRate(Experiment.RETRAIN_LEARNING_RATE).seed(options.seed())
                .validationShare(Experiment.VALIDATION_SHARE).distillation(Distillation.DEFAULT).build();
        SweepSettings s = SweepSettings.builder().retraining(retrain).steps(e.grid().steps()).task(e.task())
                .schedule(Schedule.PROGRESSIVE).build();
        SweepReport sweep;
        try {
            sweep = FileWorkflows.sweep(files(model, train, testRows, work.resolve("defaults.onnx")), s, progress);
        } catch (org.odf2nna.InputException refused) {
            if (refused.kind() != org.odf2nna.InputException.Kind.UNCERTIFIABLE) {
                throw refused;
            }
            // Too few validation rows, or rows the original was trained on: the default writes nothing, and says why.
            return new Results.Defaults(null, 0, 0, null, 0, refused.getMessage(),
                    (System.nanoTime() - start) / 1e9);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ShrinkReport table = sweep.table();
        int rounds = table.outcomes().size();
        if (sweep.chosen() == null) {
            return new Results.Defaults(null, table.original().parameters(), 0, null, rounds, sweep.choice(), seconds);
        }
        EpsilonOutcome o = table.outcomes().get(sweep.chosen());
        return new Results.Defaults(o.network().architecture(), o.network().parameters(), o.reductionPercent(),
                Results.Figures.of(o.retrained() != null ? o.retrained() : o.pruned()), rounds, sweep.choice(),
                seconds);
    }

    /** Fewer thresholds than this from the default grid make a per-ε table of little use. */
    static final int MIN_GRID = 3;

    /**
     * The sweep again over a grid derived from the units that are not exactly constant. The default grid aims
     * step k of K at removing k/(K+1) of all hidden units; when more than K/(K+1) of them are exactly constant
     * on the training rows (as in poker's general model, where most ReLUs never fire), every step falls among
     * those and the grid holds ε = 0 alone. The thresholds are still derived from the training rows only.
     */
    private static SweepReport widerGrid(Experiment e, Subject general, SweepReport first, ReproduceOptions options,
            Path work, List<String> notes, Progress progress) {
        UnitScores scan = OnnxModel.read(general.model()).scoreUnits(general.train(),
                CsvReading.DEFAULT_INFERENCE_BATCH, null, Device.CPU, progress);
        List<double[]> varying = new ArrayList<>();
        long constant = 0;
        long units = 0;
        for (double[] layer : scan.stds()) {
            varying.add(java.util.Arrays.stream(layer).filter(v -> v > 0).toArray());
            constant += java.util.Arrays.stream(layer).filter(v -> v == 0).count();
            units += layer.length;
        }
        java.util.TreeSet<Double> grid = new java.util.TreeSet<>(UnitScores.epsilonGrid(varying, e.grid().steps()));
        if (constant > 0) {
            grid.add(0.0);
        }
        if (grid.size() <= first.table().outcomes().size()) {
            return first;
        }
        RetrainSettings retrain = RetrainSettings.builder().batchSize(e.batchSize())
                .learningRate(Experiment.RETRAIN_LEARNING_RATE).seed(options.seed())
                .validationShare(Experiment.VALIDATION_SHARE).distillation(Distillation.NONE).build();
        SweepSettings sweep = SweepSettings.builder().retraining(retrain).epsilons(new ArrayList<>(grid))
                .steps(e.grid().steps()).compareScratch(true).task(e.task()).pruning(PruningOptions.paper())
                .schedule(Schedule.EPSILON).build();
        notes.add(String.format(Locale.ROOT, "The default ε grid held %s only: %d of the %d hidden units (%.1f%%) are "
                + "exactly constant on the training rows, and every one of its %d steps fell among them. The rows "
                + "below are ε = 0 and %d thresholds derived the same way from the standard deviations of the "
                + "units that vary (training rows only), and the choice was made again over them",
                String.join(", ", first.table().outcomes().stream()
                        .map(o -> "ε = " + ReportFormat.number(o.epsilon())).toList()),
                constant, units, 100.0 * constant / units, e.grid().steps(), grid.size() - (constant > 0 ? 1 : 0)));
        return FileWorkflows.sweep(files(general.model(), general.train(), general.testRows(),
                work.resolve("chosen-wider.onnx")), sweep, progress);
    }

    /** A model to sweep, with the training file and the test rows of its data set. */
    private record Subject(Path model, Path train, Path testRows) {
    }

    /**
     * A sweep's files: the test rows (their target found as everywhere, read
     * {@value CsvReading#DEFAULT_INFERENCE_BATCH} rows at a time), no validation file, report or chart.
     */
    private static SweepFiles files(Path model, Path train, Path testRows, Path output) {
        return SweepFiles.of(model, train, testRows, output).withCsv(new CsvReading(null,
                CsvReading.DEFAULT_INFERENCE_BATCH));
    }

    /** Eq. 2 as applied, or the width given in its place with what eq. 2 would have given. */
    static String sizing(String applied, Integer units) {
        if (units == null) {
            return applied;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*) = ([-0-9.eE]+) -> \\d+$").matcher(applied);
        return m.matches() ? "width " + units + " given; eq. 2 would give " + m.group(1) + " = " + m.group(2)
                : "width " + units + " given";
    }

    /** Weights only (no biases) of a dense chain given by its widths, e.g. {@code 4-10-3} → 70. */
    static long weights(String architecture) {
        String[] widths = architecture.split("-");
        long sum = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            sum += Long.parseLong(widths[i].trim()) * Long.parseLong(widths[i + 1].trim());
        }
        return sum;
    }

    /**
     * The score and compensation the figures used: the paper's (std, mean folding), passed explicitly to every run,
     * whatever the tool's defaults (least squares; docs/research/COMPENSATION.md measures what it changes).
     */
    static String method() {
        return "units scored by the standard deviation of their activation over the training rows (score 'std'); a "
                + "unit is kept when its score is > ε; each dropped unit's mean output is folded into the next "
                + "layer's bias (mean compensation); all layers pruned at once from one scoring pass";
    }

    static String toolVersion() {
        Properties p = new Properties();
        try (InputStream in = Reproducer.class.getResourceAsStream("/org/odf2nna/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Version unknown.
        }
        String commit = git("rev-parse", "--short", "HEAD");
        // Only the code and the build decide the figures; an edited README does not.
        String dirty = git("status", "--porcelain", "--untracked-files=all", "--", "src", "pom.xml", "proto");
        return "odf2nna-onnx " + p.getProperty("version", "unknown") + (commit == null ? "" : ", commit " + commit
                + (dirty != null && !dirty.isBlank() ? " with uncommitted changes to the code" : ""));
    }

    private static String git(String... args) {
        try {
            List<String> command = new ArrayList<>();
            command.add("git");
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String machine() {
        Runtime rt = Runtime.getRuntime();
        return String.format(Locale.ROOT, "%d processors, Java %s (%s), max heap %d MiB, %s %s",
                rt.availableProcessors(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                rt.maxMemory() / (1024 * 1024), System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover scratch folder in the temporary directory is all that can remain.
        }
    }
}
