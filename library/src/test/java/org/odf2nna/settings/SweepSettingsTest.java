package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;
import org.odf2nna.Setting;

/** The sweep's settings: one check and one default for each setting, whoever builds them. */
class SweepSettingsTest {

    @Test
    void theMaximumDropDefaultsByTaskAndIsKeptWhenGiven() {
        SweepSettings defaults = SweepSettings.defaults();
        assertEquals(1.0, defaults.maxDrop(Task.CLASSIFICATION));
        assertEquals(10.0, defaults.maxDrop(Task.REGRESSION));
        SweepSettings given = SweepSettings.builder().maxDrop(0).build();
        assertEquals(0.0, given.maxDrop(Task.CLASSIFICATION));
        assertEquals(0.0, given.maxDrop(Task.REGRESSION));
    }

    @Test
    void aSettingOutOfRangeNamesItselfInPlainWordsOrAsEachFrontEndNamesIt() {
        InvalidSetting e = assertThrows(InvalidSetting.class, () -> SweepSettings.builder().maxDrop(-1).build());
        assertEquals("the maximum drop setting must be a number >= 0, got -1.0", e.getMessage());
        InputException usage = e.asUsage();
        assertEquals(InputException.Kind.USAGE, usage.kind());
        assertEquals("<MAX_DROP> must be a number >= 0, got -1.0", usage.message(s -> "<" + s.name() + ">"));
        assertThrows(InvalidSetting.class, () -> SweepSettings.builder().maxDrop(Double.NaN).build());
        assertThrows(InvalidSetting.class, () -> SweepSettings.builder().maxDrop(Double.POSITIVE_INFINITY).build());
        InvalidSetting twice = assertThrows(InvalidSetting.class,
                () -> SweepSettings.builder().epsilons(List.of(0.1, 0.1)).build());
        assertTrue(twice.getMessage().startsWith(Setting.EPSILON.words() + " lists a value twice"), twice.getMessage());
        assertThrows(InvalidSetting.class, () -> SweepSettings.builder().steps(0).build());
        assertThrows(InvalidSetting.class, () -> RetrainSettings.builder().batchSize(0).build());
        assertThrows(InvalidSetting.class, () -> RetrainSettings.builder().validationShare(1).build());
    }

    @Test
    void thePapersRuleSetsItsScheduleScoreCompensationAndDistillation() {
        SweepSettings paper = SweepSettings.builder().paper(true).pruning(PruningOptions.DEFAULT).build();
        assertEquals(Schedule.EPSILON, paper.schedule());
        assertEquals(PruningOptions.paper(), paper.pruning());
        assertEquals(Distillation.NONE, paper.retraining().distillation());
        SweepSettings defaults = SweepSettings.defaults();
        assertEquals(Schedule.PROGRESSIVE, defaults.schedule());
        assertEquals(Distillation.DEFAULT, defaults.retraining().distillation());
        assertEquals(0.3, SweepSettings.builder().share(0.3).build().schedule().share());
    }

    @Test
    void theDefaultRankingIsCostTaylorOnATransformerThatRetrainsEndToEndAndTheCostElsewhere() {
        Ranking ranking = SweepSettings.defaults().schedule().ranking();
        assertEquals(Ranking.AUTO, ranking);
        assertEquals(Ranking.COST_TAYLOR, ranking.forGraph(true, true));
        assertEquals(Ranking.COST, ranking.forGraph(true, false));
        assertEquals(Ranking.COST, ranking.forGraph(false, true));
        assertEquals(Ranking.COST, ranking.forChain());
        // A ranking given is kept wherever it is read.
        for (Ranking given : new Ranking[] {Ranking.COST, Ranking.HEAD_LOSS, Ranking.TAYLOR, Ranking.COST_TAYLOR}) {
            Ranking set = SweepSettings.builder().ranking(given).build().schedule().ranking();
            assertEquals(given, set.forGraph(true, true));
            assertEquals(given, set.forGraph(false, false));
            assertEquals(given, set.forChain());
        }
    }

    @Test
    void theDefaultShareIsFinerOnManyValidationRowsAndAGivenShareIsKept() {
        Schedule defaults = SweepSettings.builder().build().schedule();
        assertEquals(Schedule.DEFAULT_SHARE, defaults.shareFor(Schedule.FINE_SHARE_ROWS - 1));
        assertEquals(Schedule.FINE_SHARE, defaults.shareFor(Schedule.FINE_SHARE_ROWS));
        assertEquals(Schedule.FINE_SHARE, defaults.shareFor(10_000));
        Schedule given = SweepSettings.builder().share(0.3).build().schedule();
        assertEquals(0.3, given.shareFor(10));
        assertEquals(0.3, given.shareFor(100_000));
    }

    @Test
    void theScheduleIsDecidedHereAndItsPartsMustGoTogether() {
        assertEquals(Schedule.Kind.EPSILON, SweepSettings.builder().epsilons(List.of(0.1)).build().schedule().kind(),
                "thresholds without a schedule mean the ε schedule");
        assertEquals(Schedule.Kind.PROGRESSIVE, SweepSettings.builder().build().schedule().kind());
        Schedule asked = SweepSettings.builder().schedule(Schedule.Kind.PROGRESSIVE).share(0.1).maxRounds(7)
                .inputs(false).ranking(Ranking.STD).build().schedule();
        assertEquals(new Schedule(Schedule.Kind.PROGRESSIVE, 0.1, 7, false, Ranking.STD), asked);
        assertEquals(Schedule.EPSILON, SweepSettings.builder().schedule(Schedule.EPSILON).build().schedule(),
                "a whole schedule keeps its own parts");

        assertEquals("the paper's rule is the ε schedule: leave out the schedule and the share removed per round",
                assertThrows(InvalidSetting.class, () -> SweepSettings.builder().paper(true).share(0.3).build())
                        .getMessage());
        assertThrows(InvalidSetting.class,
                () -> SweepSettings.builder().paper(true).schedule(Schedule.Kind.EPSILON).build());
        assertEquals("<SHARE> must be between 0 and 1 (exclusive), got 1.0", assertThrows(InvalidSetting.class,
                () -> SweepSettings.builder().share(1).build()).asUsage().message(s -> "<" + s.name() + ">"));
        assertEquals("<SHARE> applies to the progressive schedule only", assertThrows(InvalidSetting.class,
                () -> SweepSettings.builder().epsilons(List.of(0.1)).share(0.3).build()).asUsage()
                .message(s -> "<" + s.name() + ">"));
        assertEquals("<EPSILON> applies to the epsilon schedule, not <SCHEDULE> progressive",
                assertThrows(InvalidSetting.class, () -> SweepSettings.builder().schedule(Schedule.Kind.PROGRESSIVE)
                        .epsilons(List.of(0.1)).build()).asUsage().message(s -> "<" + s.name() + ">"));
        assertEquals("<RANK> applies to the progressive schedule only (the ε schedule: <SCORE>)",
                assertThrows(InvalidSetting.class, () -> SweepSettings.builder().schedule(Schedule.EPSILON)
                        .ranking(Ranking.STD).build()).asUsage().message(s -> "<" + s.name() + ">"));
    }
}
