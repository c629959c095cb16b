package org.odf2nna.tf;

import org.odf2nna.Device;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * Every TensorFlow session of the tool is opened here, with one configuration: one intra-op and one
 * inter-op thread, the fastest choice for layers as small as a pruned dense chain (a thread pool costs
 * more than it saves there). TensorFlow sizes its CPU thread pool once per process, from the first
 * session it creates, so all sessions must agree for the setting to hold.
 *
 * <p>For benchmarking, the intra-op thread count can be raised with the system property
 * {@value #THREADS_PROPERTY} or the environment variable {@value #THREADS_ENV} (the property wins). It is
 * read once, when this class is first used. Results with more than one thread are not guaranteed to be
 * bit-reproducible (TensorFlow may split a reduction differently from run to run); see
 * docs/PERFORMANCE.md for what was measured.
 */
public final class TfSessions {

    /** System property naming the intra-op thread count (default 1). */
    public static final String THREADS_PROPERTY = "odf2nna.tf.threads";
    /** Environment variable naming the intra-op thread count, when the property is not set. */
    public static final String THREADS_ENV = "ODF2NNA_TF_THREADS";

    private static final int THREADS = threads(System.getProperty(THREADS_PROPERTY), System.getenv(THREADS_ENV));

    private TfSessions() {
    }

    /** The intra-op thread count every session uses. */
    public static int intraOpThreads() {
        return THREADS;
    }

    /** The thread count from the property, else the environment variable, else 1. */
    static int threads(String property, String environment) {
        String text = property != null && !property.isBlank() ? property
                : environment != null && !environment.isBlank() ? environment : null;
        if (text == null) {
            return 1;
        }
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
        ConfigProto.Builder config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(THREADS)
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
