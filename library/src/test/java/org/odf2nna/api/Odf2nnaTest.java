package org.odf2nna.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

class Odf2nnaTest {

    /** A 5-12-8-3 softmax classifier whose hidden units 0, 3, 6, ... never fire. */
    static DenseNetwork withDeadUnits(Random random) {
        return withDeadUnits(random, new int[] {5, 12, 8, 3});
    }

    /** Every third hidden unit dead (bias -1000 before a ReLU). */
    static DenseNetwork withDeadUnits(Random random, int[] widths) {
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            float[] w = new float[widths[l] * widths[l + 1]];
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) random.nextGaussian();
            }
            boolean hidden = l + 2 < widths.length;
            float[] b = new float[widths[l + 1]];
            for (int u = 0; u < b.length; u++) {
                b[u] = hidden && u % 3 == 0 ? -1000f : 0.05f;
            }
            layers.add(new DenseLayer(widths[l], widths[l + 1], w, b, hidden ? Activation.RELU : Activation.IDENTITY));
        }
        return new DenseNetwork(InputPrefix.NONE, layers, OutputHead.SOFTMAX);
    }

    static Rows gaussian(Random random, int n, int width) {
        float[] x = new float[n * width];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) random.nextGaussian();
        }
        return Rows.of(x, width);
    }

    @Test
    void deadUnitsGoAndNothingElseChanges() {
        Random random = new Random(3);
        DenseNetwork network = withDeadUnits(random);
        Rows rows = gaussian(random, 400, 5);
        Shrunk small = Odf2nna.shrink(network, rows, ShrinkSettings.builder().epsilon(0).build());
        assertEquals("5-8-5-3", small.network().architecture());
        assertEquals(100.0 * (network.parameterCount() - small.network().parameterCount()) / network.parameterCount(),
                small.reductionPercent(), 1e-12);
        float[] before = Odf2nna.predict(network, rows);
        float[] after = Odf2nna.predict(small.network(), rows);
        for (int k = 0; k < before.length; k++) {
            assertEquals(before[k], after[k], 1e-4, "output " + k);
        }
        assertEquals(1.0, Odf2nna.agreement(network, small.network(), rows));
        assertEquals(0, small.retrainEpochsRun());

        // Out through ONNX bytes and back in: the same network.
        DenseNetwork back = Odf2nna.load(small.onnx());
        assertEquals(small.network().architecture(), back.architecture());
        assertArrayEquals(after, Odf2nna.predict(back, rows), 1e-6f);
    }

    @Test
    void rowsAreReadFromACsvFileThroughTheCsvReader(@TempDir Path dir) throws IOException {
        DenseNetwork network = withDeadUnits(new Random(5));
        Path labelled = dir.resolve("labelled.csv");
        Files.writeString(labelled, "label,a,b,c,d,e\n2,1,2,3,4,5\n0,-1,0.5,0,0,1e-3\n");
        Rows rows = Rows.read(labelled, network);
        assertEquals(2, rows.count());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, -1, 0.5f, 0, 0, 1e-3f}, rows.features());
        assertArrayEquals(new float[] {2, 0}, rows.targets(), "the label column found by name, wherever it stands");
        assertEquals(network.outputs(), Odf2nna.predict(network, rows).length / rows.count());

        Path unlabelled = dir.resolve("unlabelled.csv");
        Files.writeString(unlabelled, "a,b,c,d,e\n1,2,3,4,5\n");
        assertEquals(null, Rows.read(unlabelled, network).targets());

        // More rows than the first allocation: they grow together, in order.
        StringBuilder many = new StringBuilder("a,b,c,d,e,target\n");
        for (int r = 0; r < 5000; r++) {
            many.append(r).append(",0,0,0,").append(-r).append(',').append(r % 3).append('\n');
        }
        Path large = dir.resolve("large.csv");
        Files.writeString(large, many);
        Rows big = Rows.read(large, network);
        assertEquals(5000, big.count());
        assertEquals(4999f, big.features()[4999 * 5]);
        assertEquals(-4999f, big.features()[4999 * 5 + 4]);
        assertEquals(4999 % 3, big.targets()[4999]);

        Path narrow = dir.resolve("narrow.csv");
        Files.writeString(narrow, "a,b,c\n1,2,3\n");
        InputException e = assertThrows(InputException.class, () -> Rows.read(narrow, network));
        assertTrue(e.getMessage().contains("narrow.csv"), e.getMessage());
    }

    @Test
    void sweepKeepsItsPromiseAndChoosesTheSmallestThatHolds() {
        Random random = new Random(11);
        DenseNetwork network = withDeadUnits(random);
        Rows training = gaussian(random, 600, 5);
        Rows validation = gaussian(random, 400, 5);
        java.util.Set<String> phases = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Swept swept = Odf2nna.sweep(network, training, validation, SweepSettings.builder().maxRounds(4)
                .retraining(RetrainSettings.builder().epochs(3).build()).share(0.3).inputs(false)
                .build(), (phase, done, total, detail) -> phases.add(phase));
        assertTrue(phases.contains("round 1 of about 4: unit costs"), "progress of each round's phases: " + phases);
        assertTrue(swept.rounds().size() >= 1 && swept.rounds().size() <= 4, "rounds: " + swept.rounds().size());
        Swept.Round chosen = swept.choice().orElseThrow(() -> new AssertionError("dead units go without loss"));
        assertTrue(chosen.bound().holds());
        for (Swept.Round r : swept.rounds()) {
            if (r.bound() != null && r.bound().holds()) {
                assertTrue(chosen.network().parameterCount() <= r.network()
                        .parameterCount(), "the smallest that holds");
            }
        }
        assertTrue(swept.reductionPercent() > 20, "at least the dead units go: " + swept.reductionPercent());
        assertEquals(5, chosen.network().inputs(), "inputs kept when asked");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, chosen.inputs());
        // The bound was computed on the validation rows: at most the tolerance's share of their predictions changed
        // (the bound's own estimate), and rows nobody chose on agree about as well.
        assertTrue(Odf2nna.agreement(network, chosen.network(), gaussian(random, 2000, 5)) > 0.95);
    }

    /**
     * A regression sweep judges every round of its chain at the whole 5% (the population reading's fixed sequence,
     * org.odf2nna.metrics.BoundedRegression on outputs clipped to the training targets' range), and the written ONNX
     * holds that clip and records the range. Also with 4,000 validation rows or more, where the default share per
     * round is the finer one and the chain twice as long.
     */
    @ParameterizedTest(name = "{0} validation rows, share {1}")
    @CsvSource({"1000, 0.2", "4200, 0"})
    void aRegressionSweepJudgesItsChainInSequenceAtTheWholeFivePercent(int validationRows, double share) {
        Random random = new Random(17);
        int[] widths = {4, 16, 12, 1};
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            float[] w = new float[widths[l] * widths[l + 1]];
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) (random.nextGaussian() / Math.sqrt(widths[l]));
            }
            boolean hidden = l + 2 < widths.length;
            layers.add(new DenseLayer(widths[l], widths[l + 1], w, new float[widths[l + 1]], hidden ? Activation.RELU
                    : Activation.IDENTITY));
        }
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, layers, OutputHead.NONE);
        Rows training = noisyTargets(network, gaussian(random, 800, 4), random);
        // The bounded judge refuses validation targets outside the training targets' range: held within it here.
        Rows validation = within(training, noisyTargets(network, gaussian(random, validationRows, 4), random));
        SweepSettings.Builder settings = SweepSettings.builder().maxRounds(5)
                .retraining(RetrainSettings.builder().epochs(3).build()).inputs(false).task(Task.REGRESSION)
                .maxDrop(50);
        if (share != Schedule.SHARE_BY_ROWS) {
            settings.share(share);
        }
        Swept swept = Odf2nna.sweep(network, training, validation, settings.build());
        List<Double> confidences = swept.rounds().stream().filter(r -> r.bound() != null)
                .map(r -> r.bound().confidence()).toList();
        assertTrue(confidences.size() >= 2, "a chain to judge: " + confidences);
        for (double c : confidences) {
            assertEquals(confidences.get(0), c, 1e-12, "one level for the chain: " + confidences);
        }
        assertEquals(0.95, confidences.get(0), 1e-12, "each round at the whole 5%");
        assertTrue(swept.rounds().stream().filter(r -> r.bound() != null).allMatch(r -> r.bound().rule()
                .contains("empirical-Bernstein")), "the bounded judge");
        float[] range = swept.outputRange();
        assertTrue(range != null && range[0] < range[1], "the training targets' range");
        org.odf2nna.onnx.proto.OnnxProto.ModelProto proto = parse(swept.onnx(swept.rounds().get(0)));
        assertTrue(proto.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Clip")), "a Clip");
        org.junit.jupiter.api.Assertions.assertArrayEquals(range, org.odf2nna.onnx.OutputClip.read(proto));
        if (share == Schedule.SHARE_BY_ROWS) {
            assertEquals(Schedule.FINE_SHARE, Schedule.PROGRESSIVE.shareFor(validationRows), 0, "the finer share");
        }
    }

    /** {@code rows} with each target held to the range of {@code training}'s targets. */
    private static Rows within(Rows training, Rows rows) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float t : training.targets()) {
            lo = Math.min(lo, t);
            hi = Math.max(hi, t);
        }
        float[] targets = rows.targets().clone();
        for (int r = 0; r < targets.length; r++) {
            targets[r] = Math.min(hi, Math.max(lo, targets[r]));
        }
        return new Rows(rows.features(), rows.width(), targets);
    }

    private static org.odf2nna.onnx.proto.OnnxProto.ModelProto parse(byte[] bytes) {
        try {
            return org.odf2nna.onnx.proto.OnnxProto.ModelProto.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static Rows noisyTargets(DenseNetwork network, Rows rows, Random random) {
        float[] out = network.forward(rows.features(), rows.features().length / rows.width());
        float[] targets = new float[out.length];
        for (int r = 0; r < out.length; r++) {
            targets[r] = out[r] + (float) (0.3 * random.nextGaussian());
        }
        return new Rows(rows.features(), rows.width(), targets);
    }

    /**
     * An in-memory sweep with int8 weights judges what the command line's {@code sweep --quantize int8} judges: each
     * round's int8 network (per-layer fallback decided on the training rows). The chosen network holds int8 values
     * times a scale per unit in the layers it reports as int8, the float round's weights in the others, and gives
     * the float round's outputs within the error its int8 weights can cause.
     */
    @Test
    void anInt8SweepJudgesAndReturnsTheInt8Network() {
        int8Sweep(new int[] {5, 12, 8, 3}, 3);
        // A first layer of 32 units or more after the round: its scales and bias float16 (rounded in the network).
        int8Sweep(new int[] {5, 90, 8, 3}, 1);
    }

    private static void int8Sweep(int[] widths, int rounds) {
        Random random = new Random(11);
        DenseNetwork network = withDeadUnits(random, widths);
        Rows training = gaussian(random, 600, 5);
        Rows validation = gaussian(random, 400, 5);
        SweepSettings settings = SweepSettings.builder().maxRounds(rounds)
                .retraining(RetrainSettings.builder().epochs(3).build()).share(0.3).inputs(false)
                .maxDrop(5).quantize(org.odf2nna.settings.Quantize.INT8).build();
        assertEquals(org.odf2nna.settings.Quantize.INT8, settings.quantize());
        assertEquals(org.odf2nna.settings.Quantize.NONE, SweepSettings.defaults().quantize());
        Swept swept = Odf2nna.sweep(network, training, validation, settings);
        Swept.Round chosen = swept.choice().orElseThrow(() -> new AssertionError("dead units go without loss"));
        assertTrue(chosen.bound().holds());
        for (Swept.Round r : swept.rounds()) {
            assertEquals(r.network().layers().size(), r.int8().length, "every round says which layers took int8");
        }
        boolean[] int8 = chosen.int8();
        DenseNetwork asFloat = chosen.asFloat();
        int quantized = 0;
        int wide = 0;
        for (int l = 0; l < int8.length; l++) {
            if (int8[l]) {
                quantized++;
                assertTrue(org.odf2nna.network.Int8Quantization.exactCodes(chosen.network().layer(l)) != null,
                        "layer " + (l + 1) + " holds int8 values times a scale per unit");
                org.odf2nna.network.DenseLayer expected = org.odf2nna.network.Int8Quantization.quantize(
                        asFloat.layer(l), true);
                assertArrayEquals(expected.weights(), chosen.network().layer(l).weights(), 0f,
                        "layer " + (l + 1) + ": the float round, quantized");
                assertArrayEquals(expected.bias(), chosen.network().layer(l).bias(), 0f,
                        "layer " + (l + 1) + ": its bias float16 from 32 units on, else as it was");
                if (asFloat.layer(l).units() >= org.odf2nna.network.Int8Quantization.HALF_MIN_UNITS) {
                    assertTrue(org.odf2nna.network.Int8Quantization.halfStored(chosen.network().layer(l).bias()));
                    wide++;
                }
                assertFalse(java.util.Arrays.equals(asFloat.layer(l).weights(), chosen.network().layer(l).weights()),
                        "layer " + (l + 1) + " changed");
            } else {
                assertTrue(chosen.floatLayers().contains(l + 1), "a float layer is reported: " + chosen.floatLayers());
                assertArrayEquals(asFloat.layer(l).weights(), chosen.network().layer(l).weights(), 0f);
                assertArrayEquals(asFloat.layer(l).bias(), chosen.network().layer(l).bias(), 0f, "float biases");
            }
        }
        assertTrue(quantized > 0, "at 5 points a layer of this network takes int8: " + chosen.floatLayers());
        assertEquals(widths[1] >= 32, wide > 0, "a layer of 32 units or more took int8: " + chosen.network());

        // Before the softmax head, within what int8 weights can move each output, and moved by something.
        DenseNetwork floatLogits = new DenseNetwork(asFloat.prefix(), asFloat.layers(), OutputHead.NONE);
        // The int8 weights alone (the integer kernels' activation rounding comes on top, see Int8FormsTest).
        java.util.List<org.odf2nna.network.DenseLayer> weightsOnly = new java.util.ArrayList<>();
        for (int l = 0; l < int8.length; l++) {
            org.odf2nna.network.DenseLayer layer = chosen.network().layer(l);
            assertEquals(int8[l], layer.quantizedInputs(), "layer " + (l + 1) + " on integer kernels");
            weightsOnly.add(new org.odf2nna.network.DenseLayer(layer.inputs(), layer.units(), layer.weights(),
                    layer.bias(), layer.activation()));
        }
        DenseNetwork int8Logits = new DenseNetwork(asFloat.prefix(), weightsOnly, OutputHead.NONE);
        Rows probe = gaussian(random, 200, 5);
        float[] a = Odf2nna.predict(floatLogits, probe);
        float[] b = Odf2nna.predict(int8Logits, probe);
        double[] bound = org.odf2nna.network.Int8QuantizationTest.bound(asFloat, int8, probe.features(),
                probe.count());
        double worst = 0;
        for (int k = 0; k < a.length; k++) {
            assertTrue(Math.abs(a[k] - b[k]) <= bound[k] + 1e-4, k + ": " + a[k] + " vs " + b[k] + ", bound "
                    + bound[k]);
            worst = Math.max(worst, Math.abs(a[k] - b[k]));
        }
        assertTrue(worst > 0, "int8 weights change the outputs");

        // Its ONNX form stores those layers as int8 and reads back as the same network.
        byte[] onnx = chosen.onnx();
        DenseNetwork back = Odf2nna.load(onnx);
        for (int l = 0; l < int8.length; l++) {
            assertArrayEquals(chosen.network().layer(l).weights(), back.layer(l).weights(), 0f, "layer " + (l + 1));
        }
        org.odf2nna.onnx.proto.OnnxProto.GraphProto graph;
        try {
            graph = org.odf2nna.onnx.proto.OnnxProto.ModelProto.parseFrom(onnx).getGraph();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        assertEquals(quantized, graph.getNodeList().stream().filter(n -> n.getOpType().equals("MatMulInteger"))
                .count(), "ONNX Runtime's integer kernels for each int8 layer");

        // Judged as it runs: ONNX Runtime on that file, one row per run, gives the judged network's outputs.
        org.odf2nna.onnx.proto.OnnxProto.ModelProto proto;
        try {
            proto = org.odf2nna.onnx.proto.OnnxProto.ModelProto.parseFrom(onnx);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        org.odf2nna.onnx.OnnxDenseModel read = org.odf2nna.onnx.DenseChainReader.read(proto, java.nio.file.Path.of("x"));
        float[] judged = chosen.network().forward(probe.features(), probe.count());
        float[] runtime;
        try (org.odf2nna.onnx.OnnxRunner runner = org.odf2nna.onnx.OnnxRunner.open(proto, read.input(),
                org.odf2nna.Device.CPU, java.nio.file.Path.of("x"))) {
            runtime = runner.runEachRow(probe.features(), probe.count(), probe.width(), java.util.List.of(
                    read.outputName())).get(read.outputName());
        }
        for (int k = 0; k < judged.length; k++) {
            // The softmax head is computed by each side in its own order: float rounding, no more.
            assertEquals(judged[k], runtime[k], 1e-6, "output " + k);
        }
    }

    /** The default share per round is finer where many rows judge: the first round removes less there. */
    @Test
    void theDefaultShareIsFinerWhereManyValidationRowsJudge() {
        Random random = new Random(13);
        DenseNetwork network = withDeadUnits(random);
        Rows training = gaussian(random, 600, 5);
        SweepSettings settings = SweepSettings.builder().maxRounds(1)
                .retraining(RetrainSettings.builder().epochs(1).build()).inputs(false).build();
        long original = network.parameterCount();
        long few = original - Odf2nna.sweep(network, training, gaussian(random, Schedule.FINE_SHARE_ROWS - 1, 5),
                settings).rounds().get(0).network().parameterCount();
        long many = original - Odf2nna.sweep(network, training, gaussian(random, Schedule.FINE_SHARE_ROWS, 5),
                settings).rounds().get(0).network().parameterCount();
        // Units come whole (14 or 16 parameters here) and units dead on the rows go free: not exactly 10% and 20%.
        assertTrue(many > 0 && many < few, "removed of " + original + " with many rows " + many + ", with fewer "
                + few);
    }

    @Test
    void aSweepNeverLooksAtTheValidationRowsBeforeItChooses() {
        Random random = new Random(12);
        DenseNetwork network = withDeadUnits(random);
        Rows training = gaussian(random, 600, 5);
        SweepSettings settings = SweepSettings.builder().maxRounds(4)
                .retraining(RetrainSettings.builder().epochs(3).build()).share(0.3).build();
        Swept a = Odf2nna.sweep(network, training, gaussian(random, 400, 5), settings);
        Swept b = Odf2nna.sweep(network, training, gaussian(random, 300, 5), settings);
        // Epochs picked and the search steered on training rows: other validation rows give the same rounds.
        assertEquals(a.rounds().size(), b.rounds().size());
        Rows probe = gaussian(random, 50, 5);
        for (int i = 0; i < a.rounds().size(); i++) {
            assertArrayEquals(Odf2nna.predict(a.rounds().get(i).network(), probe),
                    Odf2nna.predict(b.rounds().get(i).network(), probe), 0f, "round " + (i + 1));
        }
        Swept.Round chosen = a.choice().orElseThrow(() -> new AssertionError("dead units go without loss"));
        assertTrue(chosen.bound().holds());
        assertTrue(a.reductionPercent() > 20, "at least the dead units go: " + a.reductionPercent());
    }

    @Test
    void validationRowsTooFewToCertifyAreRefusedBeforeAnyRound() {
        Random random = new Random(13);
        DenseNetwork network = withDeadUnits(random);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Odf2nna.sweep(network, gaussian(random, 600, 5), gaussian(random, 150, 5),
                        SweepSettings.builder().maxRounds(2).retraining(RetrainSettings.builder().epochs(1).build())
                                .build()));
        assertTrue(e.getMessage().contains("150 rows cannot certify a loss of at most 1 point")
                && e.getMessage().contains("that needs 299 rows"), e.getMessage());
    }

    @Test
    void sweepRefusesWhatItCannotUse() {
        Random random = new Random(12);
        DenseNetwork network = withDeadUnits(random);
        Rows rows = gaussian(random, 50, 5);
        assertThrows(IllegalArgumentException.class, () -> Odf2nna.sweep(network, rows, gaussian(random, 10, 4),
                SweepSettings.defaults()));
        assertThrows(IllegalArgumentException.class, () -> SweepSettings.builder().share(1.5).build());
        assertThrows(IllegalArgumentException.class, () -> SweepSettings.builder().maxDrop(-1).build());
        assertThrows(IllegalArgumentException.class, () -> Odf2nna.sweep(network, rows, rows, null));
    }

    /** The network's own classes as labels. */
    static Rows labelled(DenseNetwork network, Rows rows) {
        float[] out = Odf2nna.predict(network, rows);
        float[] labels = new float[rows.count()];
        for (int r = 0; r < labels.length; r++) {
            int best = 0;
            for (int c = 1; c < network.outputs(); c++) {
                best = out[r * network.outputs() + c] > out[r * network.outputs() + best] ? c : best;
            }
            labels[r] = best;
        }
        return rows.withTargets(labels);
    }

    @Test
    void evolveFindsAMaskWithoutTheDeadUnitsAndKeepsTheClasses() {
        Random random = new Random(13);
        DenseNetwork network = withDeadUnits(random);
        Rows training = labelled(network, gaussian(random, 500, 5));
        Rows validation = labelled(network, gaussian(random, 300, 5));
        Evolved evolved = Odf2nna.evolve(network, training, validation, EvolveSettings.builder().population(8)
                .evaluations(60).threads(2).retraining(RetrainSettings.builder().epochs(2).seed(1).build()).build());
        assertTrue(evolved.evaluations() <= 60 && evolved.evaluations() >= 8, "evaluations " + evolved.evaluations());
        // Masks are judged by accuracy alone (EvoPruneDeepTL's fitness), so dropping dead units is no better than
        // keeping them: the size is whatever the best mask found keeps, never more than the original.
        assertTrue(evolved.reductionPercent() >= 0, evolved.network().architecture());
        assertEquals(5, evolved.network().inputs());
        assertTrue(evolved.fitness() > 0.8, "the search saw a good mask: " + evolved.fitness());
        assertTrue(Odf2nna.agreement(network, evolved.network(), validation) > 0.8);
        assertEquals(evolved.network().architecture(), evolved.compensated().architecture());
        assertThrows(IllegalArgumentException.class, () -> Odf2nna.evolve(network, training,
                gaussian(random, 20, 5), EvolveSettings.builder().build()), "validation rows need labels");
        assertThrows(IllegalArgumentException.class, () -> EvolveSettings.builder().population(1).build());
        assertThrows(IllegalArgumentException.class, () -> Odf2nna.evolve(network, training, validation,
                EvolveSettings.builder().layers(5).population(4).evaluations(8).build()), "no hidden layer 5");
    }

    @Test
    void evolveNumbersHiddenLayersFromOneAsTheCommandLineDoes() {
        Random random = new Random(17);
        DenseNetwork network = withDeadUnits(random); // hidden layers 1 (12 units) and 2 (8 units)
        Rows training = labelled(network, gaussian(random, 400, 5));
        Rows validation = labelled(network, gaussian(random, 200, 5));
        EvolveSettings.Builder search = EvolveSettings.builder().population(6).evaluations(12).threads(1)
                .retraining(RetrainSettings.builder().epochs(0).build());
        Evolved second = Odf2nna.evolve(network, training, validation, search.layers(2).build());
        assertEquals(12, second.network().layer(0).units(), "layer 1 is not searched: " + second.network().architecture());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> Odf2nna.evolve(network, training, validation, search.layers(0).build()));
        assertTrue(zero.getMessage().contains("hidden layers 1 to 2"), zero.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Odf2nna.evolve(network, training, validation, search.layers(3).build()));
    }

    @Test
    void retrainBringsAPrunedNetworkBackTowardTheOriginal() {
        Random random = new Random(14);
        DenseNetwork network = withDeadUnits(random);
        Rows rows = labelled(network, gaussian(random, 800, 5));
        DenseNetwork rough = Odf2nna.shrink(network, rows, ShrinkSettings.builder().epsilon(2.0)
                .pruning(PruningOptions.paper()).build()).network();
        DenseNetwork retrained = Odf2nna.retrain(network, rough, rows, RetrainSettings.builder().epochs(15)
                .learningRate(0.01f).build(), Device.CPU);
        assertEquals(rough.architecture(), retrained.architecture());
        double before = Odf2nna.agreement(network, rough, rows);
        double after = Odf2nna.agreement(network, retrained, rows);
        assertTrue(after >= before, "retraining keeps the best epoch, the start competing: " + before + " -> " + after);
        assertTrue(retrained == rough || after > before || before == 1.0, before + " -> " + after);
        assertThrows(IllegalArgumentException.class, () -> Odf2nna.retrain(network, rough, gaussian(random, 10, 4),
                RetrainSettings.DEFAULT, Device.CPU));
    }

    @Test
    void unlabelledRowsRetrainFromTheTeacherAlone() {
        Random random = new Random(5);
        DenseNetwork network = withDeadUnits(random);
        Rows rows = gaussian(random, 300, 5);
        Shrunk small = Odf2nna.shrink(network, rows, rows, ShrinkSettings.builder().epsilon(0.5)
                .retraining(RetrainSettings.builder().epochs(2).build()).build());
        assertTrue(small.network().parameterCount() < network.parameterCount());
        assertEquals(2, small.retrainEpochsRun());
        assertTrue(Odf2nna.agreement(network, small.network(), rows) > 0.5);
    }

    @Test
    void badArgumentsNameTheSetting() {
        Random random = new Random(7);
        DenseNetwork network = withDeadUnits(random);
        Rows wrong = gaussian(random, 10, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Odf2nna.shrink(network, wrong, ShrinkSettings.defaults()));
        assertTrue(e.getMessage().contains("scoring rows have 4 values each; the network takes 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShrinkSettings.builder().epsilon(-1).build());
        assertTrue(e.getMessage().startsWith("the epsilon setting"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrainSettings.builder().validationShare(1).build());
        assertTrue(e.getMessage().startsWith("the validation share"), e.getMessage());
        Rows rows = gaussian(random, 10, 5);
        e = assertThrows(IllegalArgumentException.class, () -> Odf2nna.shrink(network, rows,
                ShrinkSettings.builder().epsilons(List.of(0.1, 0.2)).build()));
        assertTrue(e.getMessage().contains("one epsilon"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.of(new float[] {1, 2, 3}, 2));
        assertTrue(e.getMessage().contains("not a whole number of rows of 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.of(new float[] {1, Float.NaN}, 2));
        assertTrue(e.getMessage().contains("row 0, column 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.of(new float[] {1, 2}, 2)
                .withTargets(new float[] {0, 1}));
        assertTrue(e.getMessage().contains("2 targets for 1 rows"), e.getMessage());
        InputException bytes = assertThrows(InputException.class, () -> Odf2nna.load(new byte[] {1, 2, 3}));
        assertTrue(bytes.getMessage().contains("(ONNX bytes)"), bytes.getMessage());
    }
}
