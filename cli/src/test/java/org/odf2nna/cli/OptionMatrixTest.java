package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Issue 49's option matrix: every option of {@code sweep}, {@code shrink} and {@code convert}, given to a dense chain
 * (the iris network) and to a graph (a residual FFN block built in code), either works (exit 0, the output written)
 * or is refused in one line that says why (a non-zero exit, one error line, nothing written). The outcomes are the
 * table in docs/commands.md: the test fails when an outcome differs from the table, when an option has no row, or when
 * a run does neither (a crash, an error of several lines, exit 0 without the output).
 */
class OptionMatrixTest {

    private static final String IRIS = "models/iris_4-16-16-3_relu.onnx";
    private static final String IRIS_TRAIN = "examples/iris/iris-train.csv";
    private static final String IRIS_TEST = "examples/iris/iris-test.csv";
    private static final Path DOC = Path.of("docs", "commands.md");
    private static final String[] COMMANDS = {"sweep", "shrink", "convert"};

    @TempDir
    Path dir;

    /** Options that say nothing about a model: help, version, and the progress and stack-trace switches. */
    private static boolean aboutTheTool(String option) {
        return List.of("--help", "--version", "--quiet", "--verbose").contains(option);
    }

    /**
     * What each option is given in its cell ({@code {}} for a switch), the graph's where it differs; the other options
     * a cell needs to mean anything come after a {@code |}.
     */
    private static Map<String, String[]> values(String command, String kind) {
        boolean graph = kind.equals("graph");
        boolean oneShot = command.equals("shrink") && !graph;
        Map<String, String[]> v = new LinkedHashMap<>();
        v.put("--accept-chance", new String[] {});
        v.put("--allow-slower", new String[] {});
        v.put("--also", new String[] {IRIS});
        v.put("--latency-batch", new String[] {"8"});
        v.put("--latency-threads", new String[] {"2"});
        v.put("--tf-threads", new String[] {"1"});
        v.put("--batch-size", new String[] {"16"});
        v.put("--clip-inputs", new String[] {});
        v.put("--compare-scratch", new String[] {});
        v.put("--compensate", new String[] {"mean"});
        v.put("--decode", new String[] {"class"});
        v.put("--device", new String[] {"cpu"});
        v.put("--epsilon", new String[] {"0.05"});
        v.put("--format", new String[] {"onnx"});
        v.put("--graph-batch-size", new String[] {"16"});
        v.put("--graph-epochs", new String[] {"1"});
        v.put("--graph-learning-rate", new String[] {"0.001"});
        v.put("--graph-retrain", new String[] {"end-to-end", "|", "--graph-rows", "60", "--graph-epochs", "1"});
        v.put("--graph-rows", new String[] {"60"});
        v.put("--graph-schedule", new String[] {"constant"});
        v.put("--graph-train", new String[] {"blocks"});
        v.put("--inference-batch", new String[] {"64"});
        v.put("--input", new String[] {"mask=1"});
        v.put("--input-shape", new String[] {graph ? "4,6" : "4"});
        v.put("--keep-block", new String[] {"1"});
        v.put("--keep-inputs", new String[] {});
        v.put("--label", new String[] {"label"});
        v.put("--learning-rate", new String[] {"0.005"});
        v.put("--no-clean", new String[] {"identity"});
        v.put("--original-epochs", new String[] {"10"});
        v.put("--paper", new String[] {});
        v.put("--patience", new String[] {"2"});
        v.put("--promise", new String[] {"new-set"});
        v.put("--prune-input", new String[] {graph ? "x" : "input"});
        v.put("--quantize", new String[] {"int8"});
        v.put("--rank", new String[] {"std"});
        v.put("--retrain-epochs", new String[] {"1"});
        v.put("--round-to", new String[] {"4"});
        v.put("--budget", new String[] {"macs"});
        v.put("--ridge", new String[] {"0.1"});
        v.put("--schedule", new String[] {"epsilon"});
        v.put("--score", new String[] {"impact"});
        v.put("--seed", new String[] {"3"});
        v.put("--share", new String[] {"0.3"});
        v.put("--steps", new String[] {"3"});
        v.put("--target-weight", new String[] {"0.5"});
        v.put("--task", new String[] {"classification"});
        v.put("--temperature", new String[] {"2"});
        v.put("--threshold", new String[] {"0.4", "|", "--decode", "map"});
        v.put("--validation-split", new String[] {"0.2"});
        if (oneShot) {
            // shrink on a chain prunes once by ε; these take it to its rounds, which need rows to choose on
            String[] rounds = {"|", "--train", IRIS_TRAIN, "--validation", IRIS_TEST, "--max-drop", "20",
                "--retrain-epochs", "1"};
            for (String o : new String[] {"--original-epochs", "--target-weight", "--temperature", "--clip-inputs",
                "--quantize", "--max-drop", "--validation", "--train"}) {
                List<String> with = new ArrayList<>(List.of(v.getOrDefault(o, new String[] {"VALUE"})));
                with.addAll(List.of(rounds));
                v.put(o, with.toArray(String[]::new));
            }
        }
        if (command.equals("convert")) {
            v.put("--validation", new String[] {"VALUE", "|", "--max-drop", "20"});
            v.put("--max-drop", new String[] {"20", "|", "--validation", graph ? "VALIDATION" : IRIS_TEST});
            v.put("--train", new String[] {"VALUE", "|", "--quantize", "int8-static"});
        }
        return v;
    }

    /** One cell's outcome: {@code works}, or {@code refused: } and the error line with this run's folder left out. */
    record Outcome(String text) {
    }

    @Test
    void everyOptionOnAChainAndAGraphWorksOrIsRefusedInOneLine() throws IOException {
        Map<String, Path> models = Map.of("chain", Path.of(IRIS), "graph", Files.write(dir.resolve("ffn.onnx"),
                GraphBlocksCliTest.classifier().toByteArray()));
        Map<String, String> table = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (String command : COMMANDS) {
            for (OptionSpec option : options(command)) {
                String name = option.longestName();
                if (aboutTheTool(name)) {
                    continue;
                }
                StringBuilder row = new StringBuilder("| `" + command + "` | `" + name + "` |");
                for (String kind : List.of("chain", "graph")) {
                    row.append(' ').append(cell(command, name, kind, models.get(kind), problems)).append(" |");
                }
                table.put(command + " " + name, row.toString());
            }
        }
        String generated = String.join("\n", table.values()) + "\n";
        Files.writeString(Path.of("cli", "target", "option-matrix.md"), generated, StandardCharsets.UTF_8);
        assertTrue(problems.isEmpty(), "runs that neither worked nor were refused in one line:\n"
                + String.join("\n\n", problems));
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        List<String> missing = table.values().stream().filter(r -> !doc.contains(r)).toList();
        assertEquals(List.of(), missing, "docs/commands.md's option matrix differs from what the commands do now "
                + "(the whole table is in cli/target/option-matrix.md)");
    }

    private static List<OptionSpec> options(String command) {
        CommandLine cli = new CommandLine(new Main());
        return cli.getSubcommands().get(command).getCommandSpec().options();
    }

    /** Runs one cell and says what happened, or records a problem. */
    private String cell(String command, String option, String kind, Path model, List<String> problems)
            throws IOException {
        Path cellDir = Files.createDirectories(dir.resolve(command + option + "-" + kind));
        Path out = cellDir.resolve("out.onnx");
        Map<String, List<String>> args = base(command, kind, cellDir, out);
        String[] given = values(command, kind).get(option);
        if (given == null && !args.containsKey(option)) {
            given = fileOption(option, kind, cellDir);
        }
        if (given != null) {
            given = given.clone();
            for (int i = 0; i < given.length; i++) {
                if (given[i].equals("VALUE")) {
                    given[i] = fileOption(option, kind, cellDir)[0];
                } else if (given[i].equals("VALIDATION")) {
                    given[i] = fileOption("--validation", kind, cellDir)[0];
                }
            }
        }
        if (given != null) {
            List<String> own = new ArrayList<>();
            List<String> current = own;
            for (String a : given) {
                if (a.equals("|")) {
                    current = null;
                } else if (a.startsWith("--") && (current == null || current != own)) {
                    current = new ArrayList<>();
                    args.put(a, current);
                } else {
                    current.add(a);
                }
            }
            args.put(option, own);
        }
        List<String> line = new ArrayList<>(List.of("-q", command, model.toString()));
        args.forEach((k, v) -> {
            line.add(k);
            line.addAll(v);
        });
        CliRun run = CliRun.of(line.toArray(String[]::new));
        return judge(run, out, cellDir, String.join(" ", line), problems);
    }

    /** An option whose value is a file, where the command's base run does not give it. */
    private String[] fileOption(String option, String kind, Path cellDir) throws IOException {
        boolean graph = kind.equals("graph");
        return switch (option) {
            case "--chart" -> new String[] {cellDir.resolve("chart").toString()};
            case "--report" -> new String[] {cellDir.resolve("report.json").toString()};
            case "--train" -> new String[] {graph ? graphRows("train.csv", 300, 1).toString() : IRIS_TRAIN};
            case "--validation" -> new String[] {graph ? graphRows("validation.csv", 400, 2).toString()
                    : IRIS_TEST};
            case "--eval" -> new String[] {graph ? graphRows("test.csv", 100, 3).toString() : IRIS_TEST};
            case "--max-drop" -> new String[] {"20"};
            default -> null;
        };
    }

    private static String judge(CliRun run, Path out, Path cellDir, String line, List<String> problems) {
        List<String> errors = run.err().lines().filter(l -> l.startsWith("odf2nna-onnx: error:")).toList();
        if (run.exitCode() == 0 && Files.exists(out) && errors.isEmpty()) {
            return "works";
        }
        if (run.exitCode() != 0 && !Files.exists(out) && errors.size() == 1 && !errors.get(0).contains("internal")
                && run.err().lines().filter(l -> !l.startsWith("odf2nna-onnx: note:") && !l.isBlank()).count() == 1) {
            String why = errors.get(0).substring("odf2nna-onnx: error: ".length()).replace(cellDir + "/", "")
                    .replace(cellDir.toString(), "").replace(cellDir.getParent() + "/", "").replace("|", "\\|");
            return "refused (exit " + run.exitCode() + "): " + why;
        }
        problems.add(line + "\n" + run);
        return "PROBLEM";
    }

    /** The arguments every cell of a command on a kind of model starts from (option name to its values). */
    private Map<String, List<String>> base(String command, String kind, Path cellDir, Path out) throws IOException {
        Map<String, List<String>> a = new LinkedHashMap<>();
        boolean graph = kind.equals("graph");
        String train = graph ? graphRows("train.csv", 300, 1).toString() : IRIS_TRAIN;
        String validation = graph ? graphRows("validation.csv", 400, 2).toString() : IRIS_TEST;
        String eval = graph ? graphRows("test.csv", 100, 3).toString() : IRIS_TEST;
        a.put("-o", new ArrayList<>(List.of(out.toString())));
        switch (command) {
            case "sweep" -> {
                a.put("--train", new ArrayList<>(List.of(train)));
                a.put("--validation", new ArrayList<>(List.of(validation)));
                a.put("--eval", new ArrayList<>(List.of(eval)));
                a.put("--max-drop", new ArrayList<>(List.of("20")));
                a.put(graph ? "--graph-retrain" : "--retrain-epochs", new ArrayList<>(List.of(graph ? "sequential"
                        : "1")));
            }
            case "shrink" -> {
                a.put("--eval", new ArrayList<>(List.of(eval)));
                if (graph) {
                    // a graph's blocks are pruned in rounds only: shrink --train, as sweep does
                    a.put("--train", new ArrayList<>(List.of(train)));
                    a.put("--validation", new ArrayList<>(List.of(validation)));
                    a.put("--max-drop", new ArrayList<>(List.of("20")));
                    a.put("--graph-retrain", new ArrayList<>(List.of("sequential")));
                }
            }
            default -> {
            }
        }
        // A timed run's verdict depends on the machine's load, not on the option in the cell: write what is certified.
        if (command.equals("sweep") || command.equals("shrink") && graph) {
            a.put("--allow-slower", new ArrayList<>());
        }
        if (graph && !command.equals("convert")) {
            a.put("--accept-chance", new ArrayList<>());
        }
        return a;
    }

    /** Rows of the graph's 4x6 tokens with random labels (the graph is at chance on them: --accept-chance). */
    private Path graphRows(String name, int rows, long seed) throws IOException {
        Path p = dir.resolve(name);
        if (Files.exists(p)) {
            return p;
        }
        return GraphBlocksCliTest.randomRows(p, rows, seed);
    }

    @Test
    void aCellThatCrashesIsAProblemNotARefusal() {
        List<String> problems = new ArrayList<>();
        CliRun crash = new CliRun(1, "", "odf2nna-onnx: internal error: boom\n");
        assertEquals("PROBLEM", judge(crash, dir.resolve("none.onnx"), dir, "x", problems));
        CliRun twoLines = new CliRun(2, "", "odf2nna-onnx: error: a\nmore\n");
        assertEquals("PROBLEM", judge(twoLines, dir.resolve("none.onnx"), dir, "x", problems));
        if (problems.size() != 2) {
            fail("both recorded: " + problems);
        }
    }
}
