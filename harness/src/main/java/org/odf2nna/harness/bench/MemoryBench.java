package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Peak memory of the scoring pass as the evaluation rows grow tenfold: each size is scored in a child JVM
 * of its own ({@link MemoryProbe}) with the same fixed maximum heap, and a child that only loads the model
 * gives the process's baseline.
 */
public final class MemoryBench {

    private MemoryBench() {
    }

    /**
     * @param rows   rows of the smaller file (≤ 0: the source's rows); the larger holds 10 times as many
     * @param childHeap the child JVMs' -Xmx (e.g. "64m"): a small fixed heap keeps the collector from growing
     *                  the heap just because it may, so the figures show what the pass needs
     */
    public static BenchReport.Section run(Path model, Path source, int rows, int batch, int repeats, String childHeap,
            Path work) {
        CsvGenerator.Lines lines = CsvGenerator.read(source);
        long n = rows > 0 ? rows : lines.rows().size();
        String stem = source.getFileName().toString().replaceAll("\\.csv(\\.gz)?$", "");
        List<CsvGenerator.Generated> files = new ArrayList<>();
        for (long count : new long[] {n, 10 * n}) {
            Path target = work.resolve(stem + "-" + count + "rows.csv.gz");
            CsvGenerator.Generated g = CsvGenerator.cached(target);
            files.add(g != null ? g : CsvGenerator.toRows(lines, target, count, true));
        }
        BenchReport.Section section = new BenchReport.Section("memory",
                "peak memory of the scoring pass (shrink's: CSV streamed, unit moments, metrics) as rows grow 10×",
                "rows", "CSV MB (gzip MB)", "max heap after GC MB", "peak heap pools MB", "RSS high-water (VmHWM) MB",
                "seconds", "GCs");
        section.setting("model", model.toString());
        section.setting("data", "rows of " + source + " repeated into gzip files under " + work);
        section.setting("method", "one child JVM per run (-Xmx" + childHeap + ", default collector), "
                + "batches of " + batch + "; " + repeats + " repeats, sizes interleaved; medians shown. "
                + "'load only' reads the model and opens the scoring session without scoring a row");
        List<String> labels = List.of("load only", Long.toString(files.get(0).rows()), Long.toString(files.get(1).rows()));
        double[][] afterGc = new double[3][repeats];
        double[][] pools = new double[3][repeats];
        double[][] hwm = new double[3][repeats];
        double[][] seconds = new double[3][repeats];
        double[][] gcs = new double[3][repeats];
        for (int r = 0; r < repeats; r++) {
            for (int k = 0; k < 3; k++) {
                int i = (k + r) % 3;
                Path csv = files.get(Math.max(0, i - 1)).file();
                List<String> args = new ArrayList<>(List.of(model.toString(), csv.toString(), Integer.toString(batch)));
                if (i == 0) {
                    args.add("load-only");
                }
                JsonObject o = Child.run(Child.jvm(MemoryProbe.class.getName(), List.of("-Xmx" + childHeap), args),
                        work.resolve("logs"), "memory-" + i + "-" + r, 1800);
                afterGc[i][r] = o.get("maxHeapAfterGcBytes").getAsDouble() / 1e6;
                pools[i][r] = o.get("peakHeapPoolsBytes").getAsDouble() / 1e6;
                hwm[i][r] = o.get("vmHwmKb").getAsDouble() / 1024.0;
                seconds[i][r] = o.get("seconds").getAsDouble();
                gcs[i][r] = o.get("gcCount").getAsDouble();
            }
        }
        for (int i = 0; i < 3; i++) {
            String size = i == 0 ? "-" : Stats.significant(files.get(i - 1).uncompressedBytes() / 1e6, 3) + " ("
                    + Stats.significant(files.get(i - 1).fileBytes() / 1e6, 3) + ")";
            section.row(labels.get(i), size, mb(afterGc[i]), Stats.of(pools[i]).format(3), Stats.of(hwm[i]).format(3),
                    Stats.of(seconds[i]).format(3), Stats.significant(Stats.median(gcs[i]), 3));
        }
        double heapGrowth = Stats.median(afterGc[2]) / Stats.median(afterGc[1]);
        double rssGrowth = Stats.median(hwm[2]) / Stats.median(hwm[1]);
        section.figure("rows", files.get(0).rows()).figure("rows10x", files.get(1).rows())
                .figure("maxHeapAfterGcMb", Stats.median(afterGc[1])).figure("maxHeapAfterGcMb10x", Stats.median(afterGc[2]))
                .figure("vmHwmMb", Stats.median(hwm[1])).figure("vmHwmMb10x", Stats.median(hwm[2]))
                .figure("vmHwmMbLoadOnly", Stats.median(hwm[0]))
                .figure("heapAfterGcGrowth", heapGrowth).figure("vmHwmGrowth", rssGrowth);
        section.note(String.format(Locale.ROOT, "10× the rows: max heap after GC ×%s, RSS high-water ×%s, time ×%s "
                + "(flat memory: ×1; the time includes the fixed JVM start and model load).", Stats.significant(heapGrowth, 3),
                Stats.significant(rssGrowth, 3), Stats.significant(Stats.median(seconds[2]) / Stats.median(seconds[1]),
                        3)));
        return section;
    }

    private static String mb(double[] values) {
        for (double v : values) {
            if (v < 0) {
                return "no GC ran";
            }
        }
        return Stats.of(values).format(3);
    }
}
