package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;

/** build's settings: the general model's defaults and checks, and the training they give. */
class BuildSettingsTest {

    @Test
    void theGeneralModelTrainsOnTheTargetsWithAPatienceOfATenthOfItsEpochs() {
        BuildSettings defaults = BuildSettings.builder().build();
        assertEquals(3, defaults.layers());
        RetrainSettings training = defaults.training();
        assertEquals(300, training.epochs());
        assertEquals(30, training.patience());
        assertEquals(0.01f, training.learningRate());
        assertEquals(Distillation.NONE, training.distillation());
        assertEquals(10, BuildSettings.builder().epochs(50).build().trainingPatience(), "at least 10");
        assertEquals(4, BuildSettings.builder().patience(4).build().training().patience());
    }

    @Test
    void activationsAreNamedAndBadValuesNameTheirSetting() {
        assertEquals(Activation.TANH, BuildSettings.activation("Tanh"));
        InvalidSetting unknown = assertThrows(InvalidSetting.class, () -> BuildSettings.activation("swish"));
        assertTrue(unknown.getMessage().startsWith("unknown activation 'swish'"), unknown.getMessage());
        InvalidSetting epochs = assertThrows(InvalidSetting.class, () -> BuildSettings.builder().epochs(0).build());
        assertEquals("epochs must be at least 1, got 0", epochs.getMessage());
        assertThrows(InvalidSetting.class, () -> BuildSettings.builder().units(0).build());
        assertThrows(InvalidSetting.class, () -> BuildSettings.builder().patience(-1).build());
    }
}
