package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.network.InputRange;
import org.junit.jupiter.api.Test;

/**
 * The JSON reports are a public format: each report here, built in code with a value in every field (NaN and null
 * where the format leaves them out), must write the bytes its file under {@code layout/} holds, which were written
 * before the report's fields were grouped into parts ({@link JsonInline}).
 */
class ReportJsonLayoutTest {

    static SweepReport graphSweep() {
        GraphBlocks blocks = new GraphBlocks(12_000, 8_000, 0.667, List.of(new GraphBlocks.Block(1, "mlp",
                new GraphBlocks.Layers("fc1", "fc2", List.of("fc1", "gelu", "fc2"), "gelu"),
                new GraphBlocks.Sizes(32, 64, 32), new GraphBlocks.Between("Gelu", List.of("Gelu")), 4_160)),
                List.of("one note"));
        SweepReport.Judged validation = new SweepReport.Judged(500, 0.97, 0, 0);
        SweepReport.Judged report = new SweepReport.Judged(500, Double.NaN, 3, 1, 0.25);
        List<SweepReport.Round> rounds = List.of(
                new SweepReport.Round(1, new SweepReport.Size("58", 11_500, 10.0, 4.2), 0.5, true, validation,
                        report, SweepReport.Retrained.epoch(0)),
                new SweepReport.Round(2, new SweepReport.Size("52", 11_000, 20.0, 8.3), 0.25, false,
                        new SweepReport.Judged(500, 0.9, 40, 2), null, SweepReport.Retrained.epoch(null)));
        return SweepReport.ofGraph("m.onnx", "m.small.onnx", blocks, new SweepReport.Method("cost", "lsq", 0.1,
                1.0, 2_000), new SweepReport.Original(true, validation, report),
                new SweepReport.Outcome(rounds, 0, "round 1 holds"), new SweepReport.Run(12.5,
                "end to end, 2 epochs", List.of("a note"), List.of("c.png", "c.svg")), null);
    }

    static EvolveReport evolve() {
        EvolveReport.Search search = new EvolveReport.Search("units", List.of(1, 2), 96,
                new EvolveReport.Ga(20, 300, 0.05, 7, 2), new EvolveReport.Fitness(1, "accuracy", 150),
                new EvolveReport.Effort(280, 35, 260, true));
        return new EvolveReport(new EvolveReport.Evaluated("m.onnx", "test.csv", 150, "classification"),
                new NetworkSummary("4-16-16-3", 403, List.of(16, 16)), null, search, List.of(
                        new EvolveReport.Generation(0, 20, 0.9, 30), new EvolveReport.Generation(1, 40, Double.NaN, 28)),
                null, null);
    }

    static Conversion conversion() {
        Int8Coverage coverage = new Int8Coverage("dynamic", "the default", new Int8Coverage.Layers(3, 1_200, 1,
                List.of("fc4: too small")), new Int8Coverage.Opsets(13, 13));
        return new Conversion("m.onnx", "onnx", "m.int8.onnx", "onnx", "4-16-16-3", 403,
                new Conversion.Check(256, 1.5e-3), new Conversion.Storage(true, 2_000, 900, Double.NaN, "int8",
                        coverage));
    }

    static SweepReport sweep() {
        Int8Summary int8 = new Int8Summary(new Int8Summary.Size(4_000, 1_500), new Int8Summary.Fallback(List.of(1, 2),
                List.of(3), 0.25), new Int8Summary.Check(2e-3, 64), "dynamic",
                List.of(new Int8Summary.Layer(1, "int8", "smaller", 0.5, 1_024, 1e-3)));
        return new SweepReport(null, "given", new SweepReport.Decision(1.0, "accuracy points", 0.95, 2,
                "round 3 holds"), "m.small.onnx", new SweepReport.Scratch("4-8-3", 67, null, null), List.of("c.png"),
                int8, new SweepReport.Clip(new InputRange(new float[] {0, -1}, new float[] {1, 2.5f}, 120), true));
    }

    /** The ε grid's report: no range, nothing chosen. */
    static SweepReport sweepGrid() {
        return new SweepReport(null, "derived", new SweepReport.Decision(3.0, "% of MSE", Double.NaN, null,
                "none holds"), null, null, List.of(), null);
    }

    static ModelDescription describedKeras() {
        return new ModelDescription("m.keras", "keras", new ModelDescription.Graph(8, 13, "odf2nna 0.1"),
                new ModelDescription.Front("x", "[batch, 4]", "preprocessing", List.of("Flatten")),
                new ModelDescription.Chain("Softmax", "classification (3 classes)", 3, "4-16-3", 131, layers()),
                operators(), new ModelDescription.Keras(List.of("bn into fc1"), "Keras 3.5.0 .keras"),
                List.of("1 Identity removed"));
    }

    /** An ONNX model's: no Keras file (left out), nothing cleaned. */
    static ModelDescription describedOnnx() {
        return new ModelDescription("m.onnx", "onnx", new ModelDescription.Graph(7, 11, ""),
                new ModelDescription.Front("x", "[batch, 4]", "none", List.of()),
                new ModelDescription.Chain("none (values)", "regression", 1, "4-16-1", 97, layers()), operators(),
                new ModelDescription.Keras(List.of(), null), List.of());
    }

    private static List<ModelDescription.Layer> layers() {
        return List.of(new ModelDescription.Layer(1, "fc1", 4, 16, "Relu", 80, true),
                new ModelDescription.Layer(2, "fc2", 16, 3, "none", 51, false));
    }

    private static Map<String, Integer> operators() {
        Map<String, Integer> operators = new LinkedHashMap<>();
        operators.put("Gemm", 2);
        operators.put("Relu", 1);
        return operators;
    }

    @Test
    void aModelDescriptionWritesItsFormerBytes() throws IOException {
        assertEquals(expected("describe-keras.json"), ReportFormat.json(describedKeras()));
        assertEquals(expected("describe-onnx.json"), ReportFormat.json(describedOnnx()));
    }

    @Test
    void aSweepReportWritesItsFormerBytes() throws IOException {
        assertEquals(expected("sweep.json"), ReportFormat.json(sweep()));
        assertEquals(expected("sweep-grid.json"), ReportFormat.json(sweepGrid()));
    }

    @Test
    void aGraphSweepReportWritesItsFormerBytes() throws IOException {
        assertEquals(expected("graph-sweep.json"), ReportFormat.json(graphSweep()));
    }

    /** Either side's sweep report reads back into its own part, the other side's left null. */
    @Test
    void eachSidesSweepReportReadsBackIntoItsOwnPart() {
        SweepReport g = ReportFormat.gson().fromJson(ReportFormat.json(graphSweep()), SweepReport.class);
        assertNull(g.chain());
        assertEquals(graphSweep().model(), g.model());
        assertEquals(graphSweep().method(), g.method());
        assertEquals(graphSweep().run(), g.run());
        assertEquals(graphSweep().chosen(), g.chosen());
        SweepReport c = ReportFormat.gson().fromJson(ReportFormat.json(sweep()), SweepReport.class);
        assertNull(c.graph());
        assertEquals(sweep().decision(), c.decision());
        assertEquals(sweep().scratch(), c.scratch());
        assertEquals(sweep().output(), c.output());
        assertEquals(sweep().grid(), c.grid());
    }

    @Test
    void anEvolveReportWritesItsFormerBytes() throws IOException {
        assertEquals(expected("evolve.json"), ReportFormat.json(evolve()));
        EvolveReport.Outcome outcome = new EvolveReport.Outcome("e.onnx", "1101", new EvolveReport.Kept(
                new NetworkSummary("4-3-3", 27, List.of(3)), 60.5, List.of(3), List.of("x1", "x3")),
                new EvolveReport.Figures(0.93, null, null), 2e-6, null, "lsq", new EvolveReport.BothCompensations(null,
                        null));
        assertEquals(expected("evolve-outcome.json"), ReportFormat.json(outcome));
        assertEquals(outcome, ReportFormat.gson().fromJson(ReportFormat.json(outcome), EvolveReport.Outcome.class),
                "a part within a part reads back by its fields' names");
    }

    /** evolve on a graph: the same EvolveReport as a chain's, its graph parts filled (layout of GraphEvolveReport). */
    static EvolveReport graphEvolve() {
        SweepReport.Judged o = new SweepReport.Judged(438, 0.9448, 0, 0);
        SweepReport.Judged s = new SweepReport.Judged(438, 0.93, 9, 3);
        SweepReport.Judged w = new SweepReport.Judged(438, 0.94, 5, 3);
        SweepReport.Judged oe = new SweepReport.Judged(360, 0.95, 0, 0);
        SweepReport.Judged we = new SweepReport.Judged(360, 0.9472, 2, 1);
        return EvolveReport.ofGraph(new EvolveReport.GraphRun("m.onnx", "small.onnx",
                new EvolveReport.Rows("train.csv", 1000, "holdout.csv", true, "test.csv")),
                new EvolveReport.Search(4, 192, new EvolveReport.Ga(4, 8, 0.07, 5, 2),
                        new EvolveReport.Effort(8, 1, 4, false)),
                List.of(new EvolveReport.Generation(0, 4, 0.93, 180), new EvolveReport.Generation(1, 8, 0.935, 178)),
                new EvolveReport.Outcome("1101", new EvolveReport.GraphOutcome(List.of("a 31/32", "b 62/64"), 11338,
                        11012, 198976, 192832, new EvolveReport.Judgements(o, s, w, oe, we))),
                new EvolveReport.GraphRound("sequential refit alone", List.of("a note"), 2.5));
    }

    @Test
    void aGraphEvolveReportWritesItsFormerBytes() throws IOException {
        assertEquals(expected("graph-evolve.json"), ReportFormat.json(graphEvolve()));
    }

    /**
     * Either side's evolve report reads back into its own parts, the other side's left null (with Gson: the strict
     * {@link ReportSchema#read} wants every plain field, which neither side's report writes when it is null).
     */
    @Test
    void eachSidesEvolveReportReadsBackIntoItsOwnParts() {
        String graph = ReportFormat.json(graphEvolve());
        EvolveReport g = ReportFormat.gson().fromJson(graph, EvolveReport.class);
        // (not the whole report: a Judged's NaN figures, left out of the JSON, read back as 0)
        assertEquals(graphEvolve().graphRun(), g.graphRun());
        assertEquals(graphEvolve().search(), g.search());
        assertEquals(graphEvolve().outcome().graph().widths(), g.outcome().graph().widths());
        assertNull(g.evaluated());
        assertNull(g.measured());
        assertNull(g.retraining());
        assertNull(g.outcome().kept());
        assertNull(g.search().fitness());
        assertEquals(graphEvolve().graphRound(), g.graphRound());
        String chain = ReportFormat.json(evolve());
        EvolveReport c = ReportFormat.gson().fromJson(chain, EvolveReport.class);
        EvolveReport written = evolve();
        assertEquals(written.evaluated(), c.evaluated());
        assertEquals(written.measured(), c.measured());
        assertEquals(written.search(), c.search());
        assertEquals(written.outcome(), c.outcome());
        assertNull(c.graphRun());
        assertNull(c.search().graphSpace());
        assertEquals("m.onnx", c.model());
    }

    @Test
    void theRetrainingSettingsWriteTheirFormerBytes() throws IOException {
        Retraining retraining = new Retraining(new Retraining.Rows("train.csv", 800, 200),
                new Retraining.Steps(30, "the default", 32, 1e-3, 42), 0.95, "the targets and the original's outputs");
        assertEquals(expected("retraining.json"), ReportFormat.json(retraining));
    }

    @Test
    void aBuildSummaryWritesItsFormerBytes() throws IOException {
        BuildSummary built = new BuildSummary("g.onnx", "train.csv", "classification", new NetworkSummary("4-16-3",
                131, List.of(16)), "NU = 16", new BuildSummary.Split(800, 200), new TrainingSummary(40, 31,
                new TrainingSummary.Figures(0.9, 0.95, "accuracy", 0.4, 0.2), Double.NaN), new BuildSummary.Columns(List.of("a", "b", "c", "d"), "class"));
        assertEquals(expected("build-summary.json"), ReportFormat.json(built));
    }

    @Test
    void aConversionWritesItsFormerBytes() throws IOException {
        assertEquals(expected("conversion.json"), ReportFormat.json(conversion()));
    }

    private static String expected(String name) throws IOException {
        try (InputStream in = ReportJsonLayoutTest.class.getResourceAsStream("layout/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
