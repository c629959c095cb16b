package org.odf2nna.report;

import java.util.List;

/**
 * {@code evolve} on a graph: the genetic search over the units of its blocks, each mask judged by the validation
 * accuracy of the graph it leaves (means folded, nothing refitted), the best mask refitted and retrained as a sweep's
 * round and written.
 *
 * @param model       the input model
 * @param output      the written model
 * @param rows        the rows and what each did
 * @param search      the genetic search's settings and effort
 * @param generations the best individual after each generation, its fitness the validation accuracy
 * @param outcome     the best mask, the written model's size and accuracy against the original's
 * @param retraining  how the best mask's round was retrained, in words ("end to end" only where it ran)
 * @param notes       what the retraining said
 * @param seconds     the run's wall time
 */
public record GraphEvolveReport(String model, String output, Rows rows, Search search,
        List<EvolveReport.Generation> generations, Outcome outcome, String retraining, List<String> notes,
        double seconds) {

    public GraphEvolveReport {
        generations = List.copyOf(generations);
        notes = List.copyOf(notes);
    }

    /**
     * The rows of the run.
     *
     * @param training       the training file; its first {@code statisticsRows} rows measured the units' means
     * @param statisticsRows rows the units' means were measured on
     * @param validation     the validation file, on which every mask was judged (they chose the mask)
     * @param labelled       whether the validation rows' labels judged (without: agreement with the original)
     * @param eval           the evaluation file, only measured (nothing chosen on it), or null
     */
    public record Rows(String training, int statisticsRows, String validation, boolean labelled, String eval) {
    }

    /**
     * The search.
     *
     * @param blocks   the graph's blocks (a residual stream's blocks counted once: they share a segment)
     * @param units    the units searched, one bit each
     * @param ga       population, budget, mutation, seed and threads
     * @param effort   evaluations made, cache hits, children, whether it stalled
     */
    public record Search(int blocks, int units, EvolveReport.Ga ga, EvolveReport.Effort effort) {
    }

    /**
     * What the best mask became.
     *
     * @param mask               the best mask's bits, block after block
     * @param widths             per block (or stream), its name and the units kept of those it had ("name 12/32")
     * @param parametersBefore   the whole model's parameters before
     * @param parametersAfter    the written model's
     * @param multiplyAddsBefore the original's multiply-adds per row (-1 when not counted)
     * @param multiplyAddsAfter  the written model's (-1 when not counted)
     * @param judgements         the original's and the models' accuracy
     */
    public record Outcome(String mask, List<String> widths, long parametersBefore, long parametersAfter,
            long multiplyAddsBefore, long multiplyAddsAfter, Judgements judgements) {

        public Outcome {
            widths = List.copyOf(widths);
        }
    }

    /**
     * The original and the models the search made, each on the rows named.
     *
     * @param original     the original on the validation rows
     * @param searched     the best mask as the search judged it (means folded) on the validation rows
     * @param written      the written model on the validation rows
     * @param originalEval the original on the evaluation rows, or null
     * @param writtenEval  the written model on the evaluation rows, or null
     */
    public record Judgements(GraphSweepReport.Judged original, GraphSweepReport.Judged searched,
            GraphSweepReport.Judged written, GraphSweepReport.Judged originalEval,
            GraphSweepReport.Judged writtenEval) {
    }
}
