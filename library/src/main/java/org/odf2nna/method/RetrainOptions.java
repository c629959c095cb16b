package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.settings.RetrainSettings;

/**
 * Where the retraining rows are, and how to retrain on them ({@link RetrainSettings}, read whole through
 * {@link #retraining()}).
 *
 * @param train      labelled training rows
 * @param validation labelled rows to validate on instead of a held-out share of {@code train} (then every training
 *                   row is trained on), or null
 * @param retraining epochs, Adam's settings, the held-out share, patience and distillation
 */
public record RetrainOptions(Path train, Path validation, RetrainSettings retraining) {

    /** Metadata key under which models built by this tool record their training epochs. */
    public static final String EPOCHS_METADATA = "odf2nna.training.epochs";

    public RetrainOptions {
        java.util.Objects.requireNonNull(retraining, "retraining");
    }

    /** RetrainSettings on {@code train}, holding a share of it out for validation. */
    public RetrainOptions(Path train, RetrainSettings retraining) {
        this(train, null, retraining);
    }

    /** The files, as messages and reports name the rows read from them. */
    RowsOrigin origin() {
        return new RowsOrigin(train, validation);
    }
}
