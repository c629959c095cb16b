package org.odf2nna.report;

import java.util.List;

/**
 * What a sweep chose, on either side ({@link SweepReport}, a dense chain's; {@link SweepReport}, a graph's): the
 * parts both reports hold and {@link SweepTables} prints alike at the end of either table.
 */
public interface SweepChoice {

    /** Index of the chosen outcome (an ε or a round), or null when none was written. */
    Integer chosen();

    /** Why that outcome (or none) was chosen, in words. */
    String choice();

    /** The file the chosen model was written to, or null. */
    String output();

    /** The original and the certified outcomes timed side by side, or null when nothing was timed. */
    Latency latency();

    /** The chart files written, none when no chart was asked for. */
    List<String> charts();
}
