package org.odf2nna;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings a message may point the user to, named neutrally. The library writes a setting into a message as
 * {@link #ref()}; whoever shows the message decides its name: {@link #plain(String)} gives the words below (what a
 * Java caller sees in {@link InputException#getMessage()} and in JSON reports), and the command line maps each
 * setting to its flag.
 */
public enum Setting {
    TASK("task"),
    DEVICE("device"),
    FORMAT("output format"),
    EPSILON("the epsilon setting"),
    MAX_DROP("the maximum drop setting"),
    VALIDATION("the validation setting"),
    RETRAIN_EPOCHS("retraining epochs"),
    ORIGINAL_EPOCHS("original epochs"),
    EPOCHS("epochs"),
    LABEL("the label setting"),
    ACCEPT_CHANCE("the setting that accepts rows the original scores no better than chance on"),
    EVALUATIONS("evaluation budget"),
    LAYERS("layers"),
    SELECT_FEATURES("feature selection"),
    INFERENCE_BATCH("inference batch"),
    QUANTIZE("quantization"),
    STEPS("the steps setting"),
    BATCH_SIZE("batch size"),
    LEARNING_RATE("learning rate"),
    VALIDATION_SHARE("the validation share"),
    PATIENCE("patience"),
    TARGET_WEIGHT("the weight of the targets"),
    TEMPERATURE("the temperature"),
    POPULATION("population"),
    MUTATION("mutation"),
    FITNESS_EPOCHS("fitness epochs"),
    THREADS("threads"),
    TRAIN("training rows"),
    PARAMS("the parameter budget"),
    UNITS("units"),
    BUILD_PATIENCE("the general model's patience"),
    SCHEDULE("the schedule"),
    SHARE("the share removed per round"),
    RANK("the ranking of removals"),
    KEEP_BLOCK("the kept blocks"),
    ROUND_TO("the multiple block widths are rounded to"),
    BUDGET("what the rounds count"),
    PROMISE("the promise's reading"),
    SCORE("the unit score"),
    PAPER("the paper's rule"),
    CLIP_INPUTS("clipping of the inputs"),
    GRAPH_RETRAIN("the graph retraining"),
    GRAPH_EPOCHS("graph retraining epochs"),
    GRAPH_ROWS("graph retraining rows"),
    GRAPH_LEARNING_RATE("the graph retraining's learning rate"),
    GRAPH_BATCH_SIZE("the graph retraining's batch size"),
    GRAPH_TRAIN("what the graph retraining trains"),
    GRAPH_SCHEDULE("the graph retraining's learning rate schedule"),
    INPUT_SHAPE("the input-shape setting"),
    INPUT("the input setting"),
    PRUNE_INPUT("the prune-input setting"),
    DECODE("the decode setting"),
    THRESHOLD("the threshold setting"),
    TIMING_BATCH("the batch an int8 file is timed at"),
    INT8_EVERYWHERE("int8 in every layer, the slower ones too"),
    INT8_OPS("the operators an int8 file may hold"),
    ORIGINAL("the original float model"),
    EVAL("the evaluation rows"),
    LATENCY_BATCH("the batch the written model is timed at against the original"),
    LATENCY_THREADS("the thread count the written model is also timed with"),
    ALLOW_SLOWER("the setting that writes a model slower than the original"),
    TF_THREADS("TensorFlow's thread count"),
    WINDOW("the tokens per window of a text file"),
    TOKENIZER("the tokenizer of a text file");

    private static final Pattern REF = Pattern.compile("\\{\\{([A-Z0-9_]+)}}");

    private final String words;

    Setting(String words) {
        this.words = words;
    }

    /** The setting's name in plain words. */
    public String words() {
        return words;
    }

    /** The placeholder a message holds for this setting until it is shown. */
    public String ref() {
        return "{{" + name() + "}}";
    }

    /**
     * The value {@code text} names for this setting, case-insensitive: the one {@code names} holds under its lower
     * case (aliases included).
     *
     * @param what    what the values are, for the message ("device")
     * @param choices the names to suggest ("cpu or cuda")
     * @throws InputException a usage error, "unknown WHAT 'TEXT'; use CHOICES", when {@code names} has none
     */
    public <E> E parse(String text, Map<String, E> names, String what, String choices) {
        E value = names.get(text.toLowerCase(Locale.ROOT));
        if (value == null) {
            throw InputException.usage(ref() + ": unknown " + what + " '" + text + "'; use " + choices);
        }
        return value;
    }

    /** {@code text} with each placeholder replaced by {@code naming}'s name for its setting. */
    public static String render(String text, Function<Setting, String> naming) {
        if (text == null || text.indexOf("{{") < 0) {
            return text;
        }
        Matcher m = REF.matcher(text);
        StringBuilder s = new StringBuilder();
        while (m.find()) {
            Setting setting = byName(m.group(1));
            m.appendReplacement(s, Matcher.quoteReplacement(setting == null ? m.group() : naming.apply(setting)));
        }
        return m.appendTail(s).toString();
    }

    /** {@code text} with each placeholder replaced by its setting's plain words. */
    public static String plain(String text) {
        return render(text, Setting::words);
    }

    private static Setting byName(String name) {
        for (Setting s : values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
