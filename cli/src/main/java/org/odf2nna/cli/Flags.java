package org.odf2nna.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.odf2nna.Setting;
import org.odf2nna.settings.InvalidSetting;

/** The command line's flag for each setting the library names in its messages and reports. */
final class Flags {

    private Flags() {
    }

    static String of(Setting setting) {
        return switch (setting) {
            case TASK -> "--task";
            case DEVICE -> "--device";
            case FORMAT -> "--format";
            case EPSILON -> "--epsilon";
            case MAX_DROP -> "--max-drop";
            case VALIDATION -> "--validation";
            case RETRAIN_EPOCHS -> "--retrain-epochs";
            case ORIGINAL_EPOCHS -> "--original-epochs";
            case EPOCHS -> "--epochs";
            case LABEL -> "--label";
            case ACCEPT_CHANCE -> "--accept-chance";
            case EVALUATIONS -> "--evaluations";
            case LAYERS -> "--layers";
            case SELECT_FEATURES -> "--select-features";
            case INFERENCE_BATCH -> "--inference-batch";
            case QUANTIZE -> "--quantize";
            case STEPS -> "--steps";
            case BATCH_SIZE -> "--batch-size";
            case LEARNING_RATE -> "--learning-rate";
            case VALIDATION_SHARE -> "--validation-split";
            case PATIENCE -> "--patience";
            case TARGET_WEIGHT -> "--target-weight";
            case TEMPERATURE -> "--temperature";
            case POPULATION -> "--population";
            case MUTATION -> "--mutation";
            case FITNESS_EPOCHS -> "--fitness-epochs";
            case THREADS -> "--threads";
            case TRAIN -> "--train";
            case PARAMS -> "--params";
            case UNITS -> "--units";
            case BUILD_PATIENCE -> "--build-patience";
            case SCHEDULE -> "--schedule";
            case SHARE -> "--share";
            case PROMISE -> "--promise";
            case RANK -> "--rank";
            case KEEP_BLOCK -> "--keep-block";
            case ROUND_TO -> "--round-to";
            case BUDGET -> "--budget";
            case SCORE -> "--score";
            case PAPER -> "--paper";
            case CLIP_INPUTS -> "--clip-inputs";
            case GRAPH_RETRAIN -> "--graph-retrain";
            case GRAPH_EPOCHS -> "--graph-epochs";
            case GRAPH_ROWS -> "--graph-rows";
            case GRAPH_LEARNING_RATE -> "--graph-learning-rate";
            case GRAPH_BATCH_SIZE -> "--graph-batch-size";
            case GRAPH_TRAIN -> "--graph-train";
            case TIMING_BATCH -> "--timing-batch";
            case INT8_EVERYWHERE -> "--int8-everywhere";
            case INT8_OPS -> "--int8-ops";
            case ORIGINAL -> "--original";
            case EVAL -> "--eval";
            case GRAPH_SCHEDULE -> "--graph-schedule";
            case INPUT_SHAPE -> "--input-shape";
            case INPUT -> "--input";
            case PRUNE_INPUT -> "--prune-input";
            case DECODE -> "--decode";
            case THRESHOLD -> "--threshold";
            case LATENCY_BATCH -> "--latency-batch";
            case LATENCY_THREADS -> "--latency-threads";
            case ALLOW_SLOWER -> "--allow-slower";
            case TF_THREADS -> "--tf-threads";
            case WINDOW -> "--window";
            case TOKENIZER -> "--tokenizer";
        };
    }

    /** {@code text} with the library's settings named by their flags. */
    /**
     * What {@code build} makes of the flags; a setting out of range becomes the usage error that names its flag,
     * the check itself being the settings type's own.
     */
    static <T> T built(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (InvalidSetting e) {
            throw e.asUsage();
        }
    }

    static String render(String text) {
        return Setting.render(text, Flags::of);
    }

    /** A stream that names settings by their flags in whatever the commands print to it. */
    static PrintStream rendering(PrintStream out) {
        return out instanceof Rendering ? out : new Rendering(out);
    }

    private static final class Rendering extends PrintStream {
        Rendering(PrintStream out) {
            super(out, true, StandardCharsets.UTF_8);
        }

        @Override
        public void print(String s) {
            super.print(render(s));
        }

        @Override
        public void println(String s) {
            super.println(render(s));
        }

        @Override
        public void println(Object o) {
            println(String.valueOf(o));
        }

        @Override
        public PrintStream format(String format, Object... args) {
            print(String.format(Locale.ROOT, format, args));
            return this;
        }

        @Override
        public PrintStream format(Locale locale, String format, Object... args) {
            print(String.format(locale, format, args));
            return this;
        }

        @Override
        public PrintStream printf(String format, Object... args) {
            return format(format, args);
        }

        @Override
        public PrintStream printf(Locale locale, String format, Object... args) {
            return format(locale, format, args);
        }

        @Override
        public PrintStream append(CharSequence csq) {
            print(String.valueOf(csq));
            return this;
        }
    }
}
