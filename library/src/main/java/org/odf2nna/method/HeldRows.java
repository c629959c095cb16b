package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.data.Batch;

/**
 * Evaluation rows the scoring pass read and kept, as the file gave them (features, targets, line numbers), so that
 * the pruned networks' PWR is measured on them without reading and parsing the file again: the same batches in the
 * same order as a pass over the file, so the same figures.
 *
 * @param file       the file they came from (for messages)
 * @param targetName the target column's name, or null when the rows have no target
 * @param batches    the batches, each array exactly as long as its rows need
 * @param rows       how many rows they hold
 */
public record HeldRows(Path file, String targetName, List<Batch> batches, long rows) {

    public HeldRows {
        batches = List.copyOf(batches);
    }

    public boolean hasTarget() {
        return !batches.isEmpty() && batches.get(0).hasTargets();
    }
}
