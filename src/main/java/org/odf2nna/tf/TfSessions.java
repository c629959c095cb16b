package org.odf2nna.tf;

import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * Every TensorFlow session of the tool is opened here, with one configuration: one intra-op and one
 * inter-op thread. TensorFlow sizes its CPU thread pool once per process, from the first session it
 * creates, so a single session with default settings would make all later training multi-threaded, and
 * multi-threaded reductions (like oneDNN's kernels) change results from run to run. One thread is also
 * the fastest choice for layers as small as a pruned dense chain.
 */
public final class TfSessions {

    private static final ConfigProto CONFIG = ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(1)
            .setInterOpParallelismThreads(1)
            .build();

    private TfSessions() {
    }

    public static ConfigProto config() {
        return CONFIG;
    }

    public static Session open(Graph graph) {
        return new Session(graph, CONFIG);
    }

    static SavedModelBundle load(String dir, String tag) {
        return SavedModelBundle.loader(dir).withTags(tag).withConfigProto(CONFIG).load();
    }
}
