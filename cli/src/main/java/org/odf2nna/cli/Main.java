package org.odf2nna.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.BuildInfo;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.api.Cleaning;
import org.odf2nna.api.Inspection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The command line. Exit codes: 0 success, 1 a run that failed (bad input, unreadable file, or a bug),
 * 2 bad usage (unknown option, bad value, output over the input), 3 nothing written (the promise), 130, 143 and 129
 * stopped by SIGINT, SIGTERM or SIGHUP ({@link Stop}).
 */
@Command(name = "odf2nna-onnx",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Shrinks trained networks with ODF2NNA: dense feed-forward chains, and the dense blocks of graphs "
                    + "(convolution channels, depthwise groups, squeeze-excite, residual streams, a dense head, "
                    + "attention heads) of ONNX files, Keras files (.keras, .h5) and SavedModels; every hidden unit "
                    + "whose activation barely varies on your data is removed and the next layer refitted by least "
                    + "squares to what it computed before (or, with --compensate mean, the unit's mean output folded "
                    + "into it). A Keras file's pruned graph is written back as Keras (-o NAME.keras, or NAME.h5).",
            ""
        },
        subcommands = {ShrinkCommand.class, ConvertCommand.class, EvolveCommand.class, BuildCommand.class, RunCommand.class, SweepCommand.class,
            ReproduceCommand.class, InspectCommand.class, EvalCommand.class, BenchCommand.class,
            CompletionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 failed run (bad input or error), 2 bad usage, 3 nothing written: no pruned model "
                + "kept the promise, or the validation rows cannot certify it; 130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM, with "
                + "nothing unfinished left behind.",
            "Memory: the launcher lets Java's heap grow to half the machine's memory (or of the container's limit) "
                + "and hand back what it does not use; set it with ODF2NNA_HEAP=8g, or JAVA_OPTS=-Xmx8g.",
            "Run 'odf2nna-onnx COMMAND --help' for a command's options."})
public final class Main implements Runnable {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    /**
     * sweep, run and shrink --train: no pruned model kept the promise on the validation rows, or those rows cannot
     * certify it, so nothing was written.
     */
    public static final int NOTHING_QUALIFIED = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = CommandLine.ScopeType.INHERIT,
            description = "No progress bars.")
    boolean quiet;

    /**
     * {@code --no-clean PASS}: turns a cleaning pass off for every model this run reads (the library's choice for the
     * process, so that every command sees the same model).
     */
    @Option(names = "--no-clean", scope = CommandLine.ScopeType.INHERIT, paramLabel = "PASS", split = ",",
            completionCandidates = CleaningPasses.class,
            description = "Turn a cleaning pass off for every model read (repeatable, or comma-separated): "
                    + "${COMPLETION-CANDIDATES}; inspect lists them.")
    void noClean(List<String> passes) {
        for (String pass : passes) {
            if (!Cleaning.passes().stream().anyMatch(p -> p.name().equals(pass))) {
                throw new ParameterException(spec.commandLine(), "--no-clean: no cleaning pass '" + pass
                        + "' (the passes: " + String.join(", ", new CleaningPasses()) + ")");
            }
        }
        Cleaning.turnOff(passes);
    }

    /** The cleaning passes' names, in the order they run: what {@code --no-clean} takes. */
    static final class CleaningPasses implements Iterable<String> {

        @Override
        public java.util.Iterator<String> iterator() {
            return Cleaning.passes().stream().map(p -> p.name()).iterator();
        }
    }

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "missing command: choose one of shrink, convert, evolve, build, run, sweep, reproduce, inspect, eval, bench, "
                        + "completion");
    }

    public static void main(String[] args) {
        Stop.install(System.err, ConsoleProgress::endLineForStop);
        Stop.journalWrites();
        NativeLibraryCache.useForOnnxRuntime();
        int code = execute(args, System.out, System.err);
        removeRuntimeLog();
        System.exit(code);
    }

    /**
     * ONNX Runtime's native library leaves an empty {@code mat-debug-PID.log} in the temporary folder on every run;
     * the one of this process goes when it is empty.
     */
    static void removeRuntimeLog() {
        String name = "mat-debug-" + ProcessHandle.current().pid() + ".log";
        for (String folder : new String[] {System.getProperty("java.io.tmpdir"), System.getenv("TMPDIR"), "."}) {
            if (folder == null) {
                continue;
            }
            java.io.File log = new java.io.File(folder, name);
            if (log.isFile() && log.length() == 0) {
                log.delete();
            }
        }
    }

    /** A heap to suggest after running out in one of {@code maxHeap} bytes: twice as large, at least 8 GB. */
    static long moreHeapGigabytes(long maxHeap) {
        return Math.max(8, 2 * ((maxHeap + (1L << 30) - 1) >> 30));
    }

    /** Runs the command line in-process and returns its exit code. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        Cleaning.turnOff(List.of()); // a run in-process after another starts with every pass on
        Main main = new Main();
        main.out = Flags.rendering(out);
        main.err = Flags.rendering(err);
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine cli = new CommandLine(main);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine failed = e.getCommandLine();
            err.println("odf2nna-onnx: error: " + oneLine(e.getMessage()) + didYouMean(e) + " (see '"
                    + failed.getCommandSpec().qualifiedName() + " --help')");
            if (verbose) {
                e.printStackTrace(err);
            }
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, verbose, err));
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            return report(e, verbose, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    static int report(Throwable e, boolean verbose, PrintStream err) {
        if (e instanceof InputException input) {
            err.println("odf2nna-onnx: error: " + oneLine(input.message(Flags::of)));
            if (verbose) {
                e.printStackTrace(err);
            }
            return switch (input.kind()) {
                case USAGE -> USAGE;
                case UNCERTIFIABLE -> NOTHING_QUALIFIED;
                case BAD_INPUT -> FAILED;
            };
        }
        if (e instanceof ParameterException) {
            err.println("odf2nna-onnx: error: " + oneLine(e.getMessage()));
            return USAGE;
        }
        if (e instanceof OutOfMemoryError) {
            // The launcher's variable first: it is what sets the heap the run had (docs/install.md, "Memory").
            long more = moreHeapGigabytes(Runtime.getRuntime().maxMemory());
            err.println("odf2nna-onnx: error: out of memory (" + oneLine(e.getMessage()) + ") in a heap of "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MB; give Java more with ODF2NNA_HEAP=" + more
                    + "g (or JAVA_OPTS=-Xmx" + more + "g), or use a smaller --inference-batch");
            if (verbose) {
                e.printStackTrace(err);
            }
            return FAILED;
        }
        err.println("odf2nna-onnx: internal error: " + oneLine(Flags.render(String.valueOf(e)))
                + (verbose ? "" : " (run with --verbose for details)"));
        if (verbose) {
            e.printStackTrace(err);
        }
        return FAILED;
    }

    /** Those of {@code paths} that exist now: written again, they are replaced, and the user is told so. */
    static java.util.Set<java.nio.file.Path> existing(java.util.Collection<java.nio.file.Path> paths) {
        java.util.Set<java.nio.file.Path> found = new java.util.HashSet<>();
        for (java.nio.file.Path p : paths) {
            if (p != null && java.nio.file.Files.exists(p)) {
                found.add(p.toAbsolutePath().normalize());
            }
        }
        return found;
    }

    /** " (it replaced the file that was there)" when {@code written} existed before the run, else "". */
    static String replaced(java.util.Set<java.nio.file.Path> before, Object written) {
        return written != null && before.contains(java.nio.file.Path.of(written.toString()).toAbsolutePath()
                .normalize()) ? " (it replaced the file that was there)" : "";
    }

    /**
     * Refuses an output named like a Keras file ({@code .keras}, {@code .h5}) where the command writes ONNX, before
     * any work: the file would be an ONNX model under a Keras name.
     *
     * @param how what to do instead ("add --format keras", ...)
     */
    static void refuseKerasName(java.nio.file.Path output, String how) {
        String name = output == null || output.getFileName() == null ? ""
                : output.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".keras") || name.endsWith(".h5")) {
            throw InputException.usage("-o " + output + ": the model is written as ONNX there, not as a Keras file; "
                    + how);
        }
    }

    /** Whether {@code output} is named like a Keras file: NAME.keras or NAME.h5. */
    static boolean kerasFileName(java.nio.file.Path output) {
        String name = output == null || output.getFileName() == null ? ""
                : output.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".keras") || name.endsWith(".h5");
    }

    /** Whether a sweep of {@code model} writes {@code output} as a Keras file: a Keras file swept to NAME.keras. */
    static boolean kerasOutput(java.nio.file.Path model, java.nio.file.Path output) {
        return output != null && output.getFileName() != null && output.getFileName().toString()
                .toLowerCase(java.util.Locale.ROOT).endsWith(".keras")
                && Inspection.formatOf(model) == org.odf2nna.settings.ModelFormat.KERAS;
    }

    /** A sweep to a .keras file: the progressive schedule, in float, inputs unclipped (a Keras file has no Gather). */
    static void checkKerasSweep(org.odf2nna.settings.SweepSettings settings, java.nio.file.Path output) {
        if (!settings.schedule().progressive() || settings.clipInputs() || settings.quantize().int8()) {
            throw InputException.usage("-o " + output + ": a sweep writes a Keras file with the progressive schedule "
                    + "in float and without --clip-inputs; name the output .onnx for the others");
        }
    }

    /**
     * The end of the note after a sweep of a Keras file written as ONNX: the command that writes the Keras file (the
     * same sweep to NAME.keras, inputs kept), which runs as printed.
     */
    static String kerasSweepHint(java.nio.file.Path model, Object written, org.odf2nna.settings.ModelFormat in,
            java.util.List<String> args) {
        if (in != org.odf2nna.settings.ModelFormat.KERAS) {
            return "sweep writes ONNX only; " + convertHint(written, in);
        }
        String stem = written.toString().replaceAll("\\.onnx$", "");
        return "'odf2nna-onnx " + withOutput(args, stem + ".keras") + "' writes the Keras file (in "
                + model.getFileName() + "'s layout, its layers before the dense head as they are; every input kept, "
                + "as --keep-inputs keeps them, which may leave more parameters than this sweep)";
    }

    /** {@code args} with the output ({@code -o}, {@code --output}) set to {@code output}, quoted for a shell. */
    static String withOutput(java.util.List<String> args, String output) {
        java.util.List<String> out = new java.util.ArrayList<>();
        boolean set = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-o") || a.equals("--output")) && i + 1 < args.size()) {
                out.add(a);
                out.add(output);
                i++;
                set = true;
            } else if (a.startsWith("--output=") || a.startsWith("-o=") || a.startsWith("-o") && a.length() > 2
                    && !a.startsWith("--")) {
                out.add("-o");
                out.add(output);
                set = true;
            } else {
                out.add(a);
            }
        }
        if (!set) {
            out.add("-o");
            out.add(output);
        }
        return String.join(" ", out.stream().map(a -> a.matches("[\\w@%+=:,./-]+") ? a
                : "'" + a.replace("'", "'\\''") + "'").toList());
    }

    /** What to do instead of naming the output of {@code command}, which writes ONNX only, like a Keras file. */
    static String writesOnnxOnly(String command) {
        return command + " writes ONNX only: name it .onnx, then 'odf2nna-onnx convert OUT.onnx -o OUT.keras' "
                + "converts it";
    }

    /**
     * A line saying in which format the model was written, when the input was in another one (a Keras file shrunk
     * to ONNX, say), or null when they agree.
     *
     * @param how how to get the input's format instead
     */
    static String writtenFormatNote(java.nio.file.Path input, org.odf2nna.settings.ModelFormat written,
            java.util.function.Function<org.odf2nna.settings.ModelFormat, String> how) {
        org.odf2nna.settings.ModelFormat in = Inspection.formatOf(input);
        if (in == written) {
            return null;
        }
        return "note: written as " + formatName(written) + ", though " + input + " is " + formatName(in) + "; "
                + how.apply(in);
    }

    static String formatName(org.odf2nna.settings.ModelFormat format) {
        return switch (format) {
            case ONNX -> "ONNX";
            case KERAS -> "a Keras file";
            case SAVEDMODEL -> "a TensorFlow SavedModel";
        };
    }

    /** How to turn the ONNX model {@code written} into {@code format}: the convert command. */
    static String convertHint(Object written, org.odf2nna.settings.ModelFormat format) {
        String stem = written.toString().replaceAll("\\.onnx$", "");
        return "'odf2nna-onnx convert " + written + " -o " + (format == org.odf2nna.settings.ModelFormat.KERAS
                ? stem + ".keras'" : stem + " --format savedmodel'") + " converts it";
    }

    /**
     * {@code rendered} (a report whose OR line gives the original's metrics on the --eval rows) with {@code warning}
     * under that line: the API's {@link org.odf2nna.api.Messages#recordedMetricWarning}, empty when the metrics agree
     * with the test metric in the model's JSON sidecar (then {@code rendered} as it is).
     */
    static String withRecordedMetricWarning(String rendered, String warning) {
        if (warning.isEmpty()) {
            return rendered;
        }
        int or = rendered.startsWith("OR     ") ? 0 : rendered.indexOf("\nOR     ");
        if (or < 0) {
            return rendered + warning;
        }
        int end = rendered.indexOf('\n', or + 1) + 1;
        if (rendered.startsWith("       warning:", end)) {
            end = rendered.indexOf('\n', end) + 1;
        }
        return rendered.substring(0, end) + warning + rendered.substring(end);
    }

    /** For a misspelt option or command, the closest ones picocli knows ("--epislon": --epsilon), or nothing. */
    static String didYouMean(ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched)) {
            return "";
        }
        List<String> suggestions = unmatched.getSuggestions();
        if (suggestions.isEmpty()) {
            return "";
        }
        return "; did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))
                + "?";
    }

    /** Error messages are one line: line breaks inside them (from a runtime's message) become spaces. */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    private ConsoleProgress console;

    /** The one progress display of this run (none with --quiet). */
    synchronized Progress progress() {
        if (quiet) {
            return Progress.NONE;
        }
        if (console == null) {
            console = new ConsoleProgress(err, ConsoleProgress.terminal(
                    System.getProperty(ConsoleProgress.TERMINAL_PROPERTY), System.console() != null));
        }
        return console;
    }

    /** Version from the build, with the runtimes it was built against. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.NAME + " " + BuildInfo.version(),
                "ONNX Runtime " + BuildInfo.property("onnxruntime"),
                "Java " + System.getProperty("java.version")};
        }
    }
}
