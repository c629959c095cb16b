package org.odf2nna.method;

import org.odf2nna.Progress;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GraphRetraining;

/**
 * The search {@link Evolver#run} runs between its shared steps: the dense chain's ({@link MaskEvolution}: units or
 * input features, fitness epochs, regression, the validation split) or the graph's ({@code graph.GraphEvolve}: the
 * units of every block, each mask judged in ONNX Runtime). A strategy reads its model and rows, searches, and writes
 * the best model; the front door picks it and writes the report.
 */
public sealed interface EvolveStrategy permits ChainEvolveStrategy, GraphEvolveStrategy {

    /** The dense chain's search. */
    static EvolveStrategy chain() {
        return ChainEvolveStrategy.INSTANCE;
    }

    /** The graph's search, its best mask's round retrained as {@code retraining} says. */
    static EvolveStrategy graph(GraphRetraining retraining) {
        return new GraphEvolveStrategy(retraining);
    }

    /**
     * Searches the model {@code files} names as {@code settings} say, and writes the best model to
     * {@code files.output()}; the report file is the front door's to write.
     */
    EvolveReport search(EvolveFiles files, EvolveSettings settings, Progress progress);
}
