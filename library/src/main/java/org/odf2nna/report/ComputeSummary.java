package org.odf2nna.report;

/**
 * What a graph's pruning counted and what it left to compute: the budget its rounds removed a share of, the multiple
 * its block widths were kept at, and the whole model's multiply-adds per row before and after (as
 * {@code onnx.MultiplyAdds} counts them on one row; -1 where the graph could not be run so).
 *
 * @param budget             {@code params}, {@code macs} or {@code latency}
 * @param roundTo            the widths' multiple in words ({@code off}, {@code 16}, or the convolutions' and the
 *                           MatMul/Gemm blocks' multiples)
 * @param multiplyAddsBefore the original's multiply-adds per row
 * @param multiplyAddsAfter  the written model's, or -1 when none was written
 */
public record ComputeSummary(String budget, String roundTo, long multiplyAddsBefore, long multiplyAddsAfter) {

    /** What the rounds counted, in words: parameters, multiply-adds per row, time per row. */
    public String counted() {
        return counted(budget);
    }

    /** What rounds under {@code budget} ({@code params}, {@code macs}, {@code latency}) count, in words. */
    public static String counted(String budget) {
        return switch (budget == null ? "params" : budget) {
            case "macs" -> "multiply-adds per row";
            case "latency" -> "time per row";
            default -> "parameters";
        };
    }

    /** The line the tables print: the counts before and after, the budget and the widths. */
    public String line() {
        String counts = multiplyAddsBefore < 0 ? "multiply-adds not counted"
                : multiplyAddsAfter < 0 ? String.format(java.util.Locale.ROOT, "%,d multiply-adds per row in the "
                + "original", multiplyAddsBefore)
                : String.format(java.util.Locale.ROOT, "%,d -> %,d multiply-adds per row (%s%% fewer)",
                multiplyAddsBefore, multiplyAddsAfter,
                ReportFormat.number(100.0 * (multiplyAddsBefore - multiplyAddsAfter) / multiplyAddsBefore));
        return counts + "; the rounds counted " + counted()
                + "; block widths kept multiples of " + roundTo;
    }
}
