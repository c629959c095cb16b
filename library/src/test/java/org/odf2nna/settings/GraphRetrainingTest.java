package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GraphRetrainingTest {

    @Test
    void theDefaultsNamedForTheHelpAreTheDefaults() {
        assertEquals(GraphRetraining.DEFAULT_SCOPE.id(), GraphRetraining.DEFAULT_SCOPE_TEXT);
        assertEquals(GraphRetraining.DEFAULT_SCHEDULE.id(), GraphRetraining.DEFAULT_SCHEDULE_TEXT);
        assertEquals(GraphRetraining.DEFAULT_LEARNING_RATE, GraphRetraining.DEFAULT.resolved(false).learningRate());
        assertEquals("end to end (2 epochs per round on up to 50000 training rows, batches of 128, learning rate one "
                + "cycle up to 0.002 (0.0002 for token ids), every weight of the graph)",
                GraphRetraining.DEFAULT.describe());
        assertEquals("end to end (2 epochs per round on up to 50000 training rows, batches of 128, learning rate one "
                + "cycle up to 0.002, every weight of the graph)", GraphRetraining.DEFAULT.resolved(false).describe());
        assertEquals("sequential refit alone", GraphRetraining.SEQUENTIAL.describe());
    }

    @Test
    void theDefaultLearningRateIsTheGraphsATenthForTokenIds() {
        assertTrue(GraphRetraining.DEFAULT.graphDefault());
        assertEquals(GraphRetraining.DEFAULT_LEARNING_RATE, GraphRetraining.DEFAULT.resolved(false).learningRate());
        assertEquals(GraphRetraining.TOKEN_IDS_LEARNING_RATE, GraphRetraining.DEFAULT.resolved(true).learningRate());
        assertEquals(GraphRetraining.DEFAULT_LEARNING_RATE / 10, GraphRetraining.TOKEN_IDS_LEARNING_RATE, 1e-9);
        // A rate the user gave stays, token ids or not.
        GraphRetraining given = new GraphRetraining(GraphRetraining.Mode.END_TO_END, 2, 100, 0.001f, 16,
                GraphRetraining.Scope.ALL, LearningRateSchedule.ONE_CYCLE);
        assertEquals(0.001f, given.resolved(true).learningRate());
    }

    @Test
    void aSettingOutOfRangeIsRefusedNamingIt() {
        InvalidSetting e = assertThrows(InvalidSetting.class, () -> new GraphRetraining(
                GraphRetraining.Mode.END_TO_END, 2, 100, 0.001f, 0, GraphRetraining.Scope.ALL,
                LearningRateSchedule.CONSTANT));
        assertTrue(e.getMessage().contains("batch size must be at least 1"), e.getMessage());
    }

    @Test
    void epochsLeftToTheGraphAreSixteenForADetectorAndTwoOtherwise() {
        GraphRetraining open = new GraphRetraining(GraphRetraining.Mode.END_TO_END,
                GraphRetraining.GRAPH_DEFAULT_EPOCHS, 1000, Float.NaN, 64, GraphRetraining.Scope.ALL,
                GraphRetraining.DEFAULT_SCHEDULE);
        assertEquals(GraphRetraining.DETECTOR_EPOCHS, open.resolved(false, true).epochs());
        assertEquals(GraphRetraining.DEFAULT_EPOCHS, open.resolved(false, false).epochs());
        assertEquals(GraphRetraining.DEFAULT_EPOCHS, open.resolved(true).epochs());
        GraphRetraining given = new GraphRetraining(GraphRetraining.Mode.END_TO_END, 3, 1000, 0.01f, 64,
                GraphRetraining.Scope.ALL, GraphRetraining.DEFAULT_SCHEDULE);
        assertEquals(3, given.resolved(false, true).epochs());
        assertEquals(0.01f, given.resolved(true, true).learningRate());
        assertEquals(0.45, Schedule.PROGRESSIVE.shareFor(600, true));
        assertEquals(Schedule.DEFAULT_SHARE, Schedule.PROGRESSIVE.shareFor(600, false));
        assertThrows(InvalidSetting.class, () -> new GraphRetraining(GraphRetraining.Mode.END_TO_END, 0, 1000,
                Float.NaN, 64, GraphRetraining.Scope.ALL, GraphRetraining.DEFAULT_SCHEDULE));
    }
}
