package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.harness.reproduce.ReproTable;
import org.odf2nna.harness.reproduce.ReproduceOptions;
import org.odf2nna.harness.reproduce.Reproducer;
import org.odf2nna.harness.reproduce.Results;
import org.odf2nna.harness.reproduce.ResultsMarkdown;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "reproduce",
        description = {
            "Redoes the paper's experiments on the data in the shared folder and writes RESULTS.md: our figures "
                    + "beside the paper's, the exact command that regenerated each table, and a note per row on "
                    + "where and why they differ. Each table's figures are kept as JSON in results/ beside the "
                    + "Markdown, so tables can be run one at a time and the file always shows all of them.",
            "",
            "Tables: table1 (iris, cancer, hepatitis, diabetes), table3 (MNIST, 1000 units x 2..6 layers), "
                    + "lenet (LeNet-300-100, Tables 4-5), spambase and poker (Tables 6-7), higgs (Tables 8-9), "
                    + "regression (ailerons, compactiv, pole; Tables 10-12), or all.",
            "",
            "Test rows are only measured on: units are scored and the ε grid derived on the training rows, "
                    + "training stops and the model is chosen on validation rows held out of them. Seeds are fixed.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx reproduce table1 --shared ../shared"})
final class ReproduceCommand extends Subcommand {

    static final Path DEFAULT_OUT = Path.of("docs/research/RESULTS.md");
    static final Path DEFAULT_QUICK_OUT = Path.of("target/reproduce-quick/RESULTS.md");

    @Parameters(arity = "0..*", paramLabel = "TABLE",
            description = "table1, table3, lenet, spambase, poker, higgs, regression, or all (default: all).")
    List<String> tables = new ArrayList<>();

    @Mixin
    SharedFolderOption shared;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE.md",
            description = "The Markdown to write; the JSON of each table goes to results/ beside it (default: "
                    + "docs/research/RESULTS.md, or target/reproduce-quick/RESULTS.md with --quick, so that a smoke test "
                    + "never overwrites measured figures).")
    Path out;

    @Option(names = "--quick",
            description = "Tiny budgets (a few epochs, two thresholds, a narrow MNIST network): checks the harness "
                    + "end to end in seconds to minutes; the figures reproduce nothing and RESULTS.md says so.")
    boolean quick;

    @Option(names = "--only", split = ",", paramLabel = "ID",
            description = "Run only these data sets of the tables asked for (e.g. iris, or mnist-1000x3); the "
                    + "table's other data sets keep their stored figures.")
    List<String> only = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of every split, initialisation and shuffle (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--render-only",
            description = "Run nothing: rewrite FILE.md from the JSON stored in results/ beside it.")
    boolean renderOnly;

    @Override
    public Integer call() {
        Path markdown = out != null ? out : quick ? DEFAULT_QUICK_OUT : DEFAULT_OUT;
        if (renderOnly) {
            List<Results.TableResult> stored = Reproducer.render(markdown);
            main.out.println("wrote " + markdown + " from " + stored.size() + " stored table"
                    + (stored.size() == 1 ? "" : "s"));
            return Main.OK;
        }
        List<ReproTable> chosen = new ArrayList<>();
        for (String name : tables.isEmpty() ? List.of("all") : tables) {
            if (name.equalsIgnoreCase("all")) {
                for (ReproTable t : ReproTable.values()) {
                    if (!chosen.contains(t)) {
                        chosen.add(t);
                    }
                }
                continue;
            }
            ReproTable t = ReproTable.byId(name);
            if (t == null) {
                throw InputException.usage("unknown table '" + name + "': choose from "
                        + String.join(", ", ReproTable.ids()) + " or all");
            }
            if (!chosen.contains(t)) {
                chosen.add(t);
            }
        }
        StringBuilder common = new StringBuilder();
        if (shared.given != null) {
            common.append(" --shared ").append(shared.given);
        }
        if (out != null) {
            common.append(" --out ").append(out);
        }
        if (quick) {
            common.append(" --quick");
        }
        if (seed != 0) {
            common.append(" --seed ").append(seed);
        }
        StringBuilder invocation = new StringBuilder("bin/odf2nna-onnx reproduce");
        for (ReproTable t : chosen) {
            invocation.append(' ').append(t.heading().id());
        }
        if (chosen.size() == ReproTable.values().length) {
            invocation = new StringBuilder("bin/odf2nna-onnx reproduce all");
        }
        invocation.append(common);
        if (!only.isEmpty()) {
            invocation.append(" --only ").append(String.join(",", only));
        }
        // As given (../shared by default): the stored tables name the shared files relative to the checkout.
        Path root = shared.folder().normalize();
        ReproduceOptions options = new ReproduceOptions(root, markdown, chosen, only, quick, seed,
                invocation.toString(), common.toString());
        Reproducer.Outcome outcome = Reproducer.run(options, main.progress(), line -> main.err.println(line));
        for (Results.TableResult t : outcome.tables()) {
            main.out.println(t.heading().title() + ": " + t.datasets().size() + " data set"
                    + (t.datasets().size() == 1 ? "" : "s") + ", " + ResultsMarkdown.time(t.seconds()));
        }
        main.out.println("wrote " + outcome.markdown() + " and " + outcome.json().size() + " JSON file"
                + (outcome.json().size() == 1 ? "" : "s") + " in " + ReproduceOptions.resultsFolder(markdown));
        return Main.OK;
    }
}
