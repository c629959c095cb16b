package org.odf2nna;

/**
 * A {@link Progress} that passes every update, end of phase and note on to another; a subclass overrides what it
 * changes on the way ({@link RoundClock#around} adds the time left to each update).
 */
public class ForwardingProgress implements Progress {

    private final Progress to;

    public ForwardingProgress(Progress to) {
        this.to = to;
    }

    @Override
    public void update(String phase, long done, long total, String detail) {
        to.update(phase, done, total, detail);
    }

    @Override
    public void done(String phase) {
        to.done(phase);
    }

    @Override
    public void note(String text) {
        to.note(text);
    }
}
