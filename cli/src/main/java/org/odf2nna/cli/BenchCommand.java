package org.odf2nna.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.harness.bench.Bench;
import org.odf2nna.harness.bench.BenchInputs;
import org.odf2nna.harness.bench.BenchOptions;
import org.odf2nna.harness.bench.ScaleBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench",
        description = {
            "Measures the tool's performance and prints the figures (median and spread over repeats) with the "
                    + "ratios that matter: scoring (one-session unit scoring vs a plain ONNX Runtime pass vs "
                    + "Algorithm 3 with one subgraph per unit), memory (peak memory of scoring as the rows grow 10×, "
                    + "child JVMs), retrain (TensorFlow Java time per epoch vs PyTorch, same network, data, batch "
                    + "and threads), inference (original vs shrunk model, batch 1 latency and batch 256 throughput) "
                    + "and csv (CSV ingest MB/s against file size); scale (run only when named: eval, shrink --eval, "
                    + "shrink --train and sweep on generated 28-W-W-W-2 networks and rows, time and peak memory "
                    + "beside a plain ONNX Runtime pass, as rows and width grow).",
            "",
            "Uses LeNet-300-100 on MNIST and spambase from ../shared when they are there, else the repository's "
                    + "examples. Generated files go to target/bench. See docs/research/PERFORMANCE.md.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx bench scoring,inference --model m.onnx --data test.csv \\",
            "        --rows 10000",
            "  odf2nna-onnx bench scale --scale-rows 10000,100000 --widths 256,1024 \\",
            "        --runs eval,shrink-eval"})
final class BenchCommand extends Subcommand {

    @Parameters(paramLabel = "BENCHMARK", arity = "0..*", defaultValue = "all",
            description = "scoring, memory, retrain, inference, csv, scale or all (default; all leaves scale out); "
                    + "several may be given, "
                    + "separated by spaces or commas.")
    List<String> names;

    @Option(names = "--model", paramLabel = "MODEL", description = "Model to score, shrink and run (needs --data).")
    Path model;

    @Option(names = "--data", paramLabel = "CSV", description = "Rows for --model (also the CSV benchmark's source).")
    Path data;

    @Option(names = "--train", paramLabel = "CSV", description = "Training rows for --model: the retrain benchmark "
            + "then trains --model alone.")
    Path train;

    @Option(names = "--graph", paramLabel = "MODEL.onnx", description = "An ONNX graph (a ViT, a Mixer, a CNN): the "
            + "retrain benchmark then times whole-graph retraining (GraphRetrainer, every float initializer trained) "
            + "against PyTorch running the same graph, on --train (default: MNIST's training rows from the shared "
            + "folder).")
    Path graph;

    @Mixin
    SharedFolderOption shared;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "0",
            description = "Rows for scoring and inference, and the smaller size of the memory benchmark (the larger "
                    + "is 10×); rows are repeated when the file has fewer. Default: all the file's rows.")
    int rows;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "5",
            description = "Measured repeats of every figure, interleaved with what it is compared to "
                    + "(default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--inference-batch", paramLabel = "N", defaultValue = "1024",
            description = "Rows per ONNX Runtime call when scoring (default: ${DEFAULT-VALUE}, as shrink's "
                    + "--inference-batch).")
    int inferenceBatch;

    @Option(names = "--alg3-units", paramLabel = "K|all", defaultValue = "8",
            description = "Units per hidden layer to time Algorithm 3 on (one subgraph session per unit); the total "
                    + "over all units is extrapolated from them and labelled so. 'all' times every unit, 0 skips it "
                    + "(default: ${DEFAULT-VALUE}).")
    String alg3Units;

    @Option(names = "--epsilon", paramLabel = "E",
            description = "ε to shrink the model at for the inference benchmark (default: the ε whose reduction is "
                    + "closest to --reduction).")
    Double epsilon;

    @Option(names = "--reduction", paramLabel = "F", defaultValue = "0.6",
            description = "Wanted parameter reduction of the shrunk model, as a fraction (default: ${DEFAULT-VALUE}).")
    double reduction;

    @Option(names = "--shrunk", paramLabel = "MODEL",
            description = "For the inference benchmark: a model already shrunk from --model (a sweep's output) to "
                    + "measure instead of shrinking at --epsilon.")
    Path shrunk;

    @Option(names = "--latency-rows", paramLabel = "N", defaultValue = "2000",
            description = "Single-row runs per repeat and model for the batch-1 latency (default: ${DEFAULT-VALUE}).")
    int latencyRows;

    @Mixin
    BenchRetrainOptions retrain;

    @Option(names = "--sizes", paramLabel = "MB", split = ",", defaultValue = "1,10,100",
            description = "Sizes of the CSV benchmark's files, in MB of text (default: ${DEFAULT-VALUE}); each is "
                    + "written plain and gzip.")
    List<Double> sizes;

    @Option(names = "--child-heap", paramLabel = "SIZE", defaultValue = "64m",
            description = "-Xmx of the memory benchmark's child JVMs (default: ${DEFAULT-VALUE}).")
    String childHeap;

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "target/bench",
            description = "Where generated CSV files, retraining problems and child logs go (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu or cuda for the ONNX Runtime benchmarks (cuda needs the gpu build: ./mvnw -Pgpu package). "
                    + "Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--json", paramLabel = "FILE.json", description = "Also write every figure as JSON.")
    Path json;

    @Option(names = "--pruned", paramLabel = "PRUNED.onnx",
            description = "With inference, --model and --data: time this pruned copy of any ONNX model (a graph "
                    + "sweep's output, say) against --model instead of shrinking a dense chain: batch 1 latency and "
                    + "batch 64 throughput.")
    Path pruned;

    @Mixin
    BenchScaleOptions scale;

    @Override
    public Integer call() {
        List<String> benchmarks;
        try {
            benchmarks = Bench.expand(names);
        } catch (IllegalArgumentException e) {
            throw InputException.usage(e.getMessage());
        }
        checkNumbers();
        Device dev = Device.parse(device);
        if (pruned != null) {
            return runPruned(benchmarks, dev);
        }
        BenchInputs inputs = inputs(benchmarks);
        int alg3 = parseAlg3(alg3Units);
        Path script = locate("scripts/bench/bench_retrain_torch.py");
        String py = retrain.noTorch || script == null ? null : retrain.python;
        BenchOptions options = new BenchOptions(benchmarks, inputs,
                new BenchOptions.Measure(rows, repeats, inferenceBatch, alg3, childHeap, dev),
                new BenchOptions.Inference(latencyRows, epsilon == null ? Double.NaN : epsilon, reduction, shrunk),
                new BenchOptions.Retrain(retrain.trainRows, retrain.epochs, retrain.batchSize,
                        new ArrayList<>(retrain.threads), py, script, graph, graphTrain()),
                sizes, work, benchmarks.contains("scale") ? scale.settings(epsilon, work) : null);
        // Each section is printed, and the JSON rewritten, as soon as it is measured: a long run that is
        // stopped keeps what it had.
        Bench.run(options, main.err, (report, section) -> {
            if (report.sections().size() == 1) {
                main.out.print(report.machineText());
            }
            main.out.print("\n" + section.text());
            main.out.flush();
            if (json != null) {
                report.writeJson(json);
            }
        });
        if (json != null) {
            main.out.println("\nwrote " + json);
        }
        return Main.OK;
    }

    /** The numbers given, each in its range. */
    private void checkNumbers() {
        positive("--repeats", repeats);
        positive("--inference-batch", inferenceBatch);
        positive("--epochs", retrain.epochs);
        positive("--batch-size", retrain.batchSize);
        positive("--latency-rows", latencyRows);
        for (int t : retrain.threads) {
            positive("--threads", t);
        }
        for (double s : sizes) {
            if (!(s > 0)) {
                throw InputException.usage("--sizes must be positive, got " + s);
            }
        }
        if (!(reduction > 0 && reduction < 1)) {
            throw InputException.usage("--reduction must be between 0 and 1, got " + reduction);
        }
        if (epsilon != null && !(epsilon >= 0)) {
            throw InputException.usage("--epsilon must be >= 0, got " + epsilon);
        }
    }

    /** --pruned: any ONNX model against a pruned copy, the inference benchmark alone. */
    private int runPruned(List<String> benchmarks, Device dev) {
        if (model == null || data == null || !benchmarks.equals(List.of("inference"))) {
            throw InputException.usage("--pruned goes with the inference benchmark alone, --model and --data");
        }
        org.odf2nna.harness.bench.BenchReport.Section section = org.odf2nna.harness.bench.InferenceBench
                .run(model, pruned, data, rows, repeats, latencyRows, dev);
        main.out.print(section.text());
        if (json != null) {
            org.odf2nna.harness.bench.BenchReport report = new org.odf2nna.harness.bench.BenchReport(
                    java.util.Map.of());
            report.add(section);
            report.writeJson(json);
            main.out.println("\nwrote " + json);
        }
        return Main.OK;
    }

    /**
     * The model and rows to measure (--model with its --data and --train, else the defaults), and --graph's files,
     * each checked to exist.
     */
    private BenchInputs inputs(List<String> benchmarks) {
        BenchInputs inputs = BenchInputs.defaults(shared.folder(), repositoryRoot());
        if (graph != null) {
            for (Path p : List.of(graph, graphTrain())) {
                if (!Files.exists(p)) {
                    throw new InputException(p, null, "no such file");
                }
            }
        }
        if (model != null) {
            if (data == null) {
                throw InputException.usage("--model needs --data (the rows to score and run it on)");
            }
            if (train == null && benchmarks.contains("retrain")) {
                throw InputException.usage("the retrain benchmark with --model needs --train (its training rows)");
            }
            inputs = inputs.withModel(model, data, train);
        } else if (data != null || train != null && graph == null) {
            throw InputException.usage("--data and --train go with --model (--train also with --graph)");
        }
        for (Path p : List.of(inputs.model(), inputs.data())) {
            if ((model != null || Bench.readsInputs(benchmarks)) && !Files.exists(p)) {
                throw new InputException(p, null, "no such file");
            }
        }
        return inputs;
    }

    /** --graph's training rows: --train, else MNIST's from the shared folder; null without --graph. */
    private Path graphTrain() {
        return graph == null ? null : train != null ? train : shared.folder().resolve("data/mnist-train.csv.gz");
    }

    static void positive(String option, int value) {
        if (value <= 0) {
            throw InputException.usage(option + " must be a positive number, got " + value);
        }
    }

    static int parseAlg3(String text) {
        if (text.equalsIgnoreCase("all")) {
            return -1;
        }
        try {
            int k = Integer.parseInt(text);
            if (k >= 0) {
                return k;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw InputException.usage("--alg3-units must be a number >= 0 or 'all', got '" + text + "'");
    }

    /** The repository this build came from: the folder above target/ (the jar's or the classes' location). */
    static Path repositoryRoot() {
        try {
            Path code = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("models"))) {
                    return p;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall back to the working directory
        }
        return Path.of("");
    }

    /** A file of the repository, from the working directory or the repository this build came from. */
    static Path locate(String relative) {
        Path here = Path.of(relative);
        if (Files.isRegularFile(here)) {
            return here;
        }
        Path there = repositoryRoot().resolve(relative);
        return Files.isRegularFile(there) ? there : null;
    }
}
