package org.odf2nna.tf;

import org.odf2nna.Device;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * Every TensorFlow session of the tool is opened here, with one configuration: one inter-op thread, and as many
 * intra-op threads as the machine has cores by default (a graph's end-to-end retraining is mostly large products and
 * convolutions, which a pool of threads shares out). TensorFlow sizes its CPU thread pool once per process, from the
 * first session it creates, so all sessions must agree for the setting to hold.
 *
 * <p>Results with more than one intra-op thread are not guaranteed to be bit-reproducible (TensorFlow may split a
 * reduction differently from run to run): {@link #useThreads(int)} with 1, before any session is open, gives
 * bit-reproducible training (what the command line's TensorFlow-threads setting of 1 asks). The system property
 * {@value #THREADS_PROPERTY} or the environment variable {@value #THREADS_ENV} (the property wins) fix the count for
 * the whole process, over what a program asks: the tests run with 1. See docs/research/PERFORMANCE.md for what was measured.
 */
public final class TfSessions {

    /** System property naming the intra-op thread count for the whole process. */
    public static final String THREADS_PROPERTY = "odf2nna.tf.threads";
    /** Environment variable naming the intra-op thread count, when the property is not set. */
    public static final String THREADS_ENV = "ODF2NNA_TF_THREADS";

    /** The process's fixed count from the property or the environment, or null when neither names one. */
    private static final Integer FIXED = fixed(System.getProperty(THREADS_PROPERTY), System.getenv(THREADS_ENV));

    /** What a program asked for ({@link #useThreads}), or null: the machine's cores. */
    private static volatile Integer asked;
    /** The count the first session was opened with, after which it no longer changes. */
    private static volatile Integer used;

    private TfSessions() {
    }

    /**
     * Asks for {@code threads} intra-op threads in every session of this process (1: bit-reproducible training). It
     * holds when no session is open yet and neither {@value #THREADS_PROPERTY} nor {@value #THREADS_ENV} fixes the
     * count; {@link #intraOpThreads()} says what is used.
     */
    public static void useThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("TensorFlow's intra-op threads must be at least 1, got " + threads);
        }
        asked = threads;
    }

    /** The intra-op thread count every session uses (or will use, when none is open yet). */
    public static int intraOpThreads() {
        Integer u = used;
        if (u != null) {
            return u;
        }
        return FIXED != null ? FIXED : asked != null ? asked : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Whether the count is one thread: training is then bit-reproducible on the same machine. */
    public static boolean reproducible() {
        return intraOpThreads() == 1;
    }

    /** The thread count from the property, else the environment variable, else null. */
    static Integer fixed(String property, String environment) {
        String text = property != null && !property.isBlank() ? property
                : environment != null && !environment.isBlank() ? environment : null;
        return text == null ? null : threads(text);
    }

    /** {@link #fixed}'s reading of one value (kept for the tests of the wording: 1 when both are absent). */
    static int threads(String property, String environment) {
        Integer n = fixed(property, environment);
        return n == null ? 1 : n;
    }

    private static int threads(String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(THREADS_PROPERTY + " / " + THREADS_ENV + " must be a positive integer, "
                + "got '" + text + "'");
    }

    /**
     * The session configuration for {@code device}: on {@link Device#CPU} TensorFlow is given no GPU (its GPU build
     * would otherwise take any GPU it sees); on {@link Device#CUDA} it may place operations on one.
     */
    public static ConfigProto config(Device device) {
        // Grappler's graph rewrites cost more on the first run of a small dense graph than they save later.
        int threads;
        synchronized (TfSessions.class) {
            if (used == null) {
                used = intraOpThreads();
            }
            threads = used;
        }
        ConfigProto.Builder config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1)
                .setGraphOptions(GraphOptions.newBuilder()
                        .setRewriteOptions(RewriterConfig.newBuilder().setDisableMetaOptimizer(true)));
        if (device != Device.CUDA) {
            config.putDeviceCount("GPU", 0);
        }
        return config.build();
    }

    public static Session open(Graph graph, Device device) {
        return new Session(graph, config(device));
    }

    static SavedModelBundle load(String dir, String tag, Device device) {
        return SavedModelBundle.loader(dir).withTags(tag).withConfigProto(config(device)).load();
    }
}
