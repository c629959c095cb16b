package org.odf2nna.onnx;

import org.odf2nna.BuildInfo;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;

/**
 * Names this tool and its version as the producer of a model it writes (producer_name, producer_version). The
 * producer the model had before, when it was another tool, is kept in metadata_props under {@link #SOURCE_KEY}
 * ("pytorch 2.5.1"), so a shrunk model still says where it came from; a model shrunk twice keeps the first.
 */
public final class Producer {

    /** The metadata_props key that keeps the producer of the model this one was made from. */
    public static final String SOURCE_KEY = "odf2nna.source_producer";

    private Producer() {
    }

    /** {@code model} with this tool as its producer. */
    public static ModelProto stamp(ModelProto model) {
        ModelProto.Builder b = model.toBuilder().setProducerName(BuildInfo.NAME).setProducerVersion(BuildInfo.version());
        String before = (model.getProducerName() + " " + model.getProducerVersion()).strip();
        boolean known = model.getMetadataPropsList().stream().anyMatch(e -> e.getKey().equals(SOURCE_KEY));
        if (!before.isEmpty() && !model.getProducerName().equals(BuildInfo.NAME) && !known) {
            b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(SOURCE_KEY).setValue(before));
        }
        return b.build();
    }
}
