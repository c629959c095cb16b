package org.odf2nna.tf;

import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * Every TensorFlow session of the tool is opened here, with one configuration: one intra-op and one
 * inter-op thread, the fastest choice for layers as small as a pruned dense chain (a thread pool costs
 * more than it saves there). TensorFlow sizes its CPU thread pool once per process, from the first
 * session it creates, so all sessions must agree for the setting to hold.
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
