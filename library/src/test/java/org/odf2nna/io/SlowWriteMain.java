package org.odf2nna.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A process for {@code InterruptedWriteIT} to kill: writes {@link #content} to the target through
 * {@link AtomicFiles#write}, one megabyte at a time with a pause after each, then checks the temporary
 * file (another pause) before it is moved into place. It says on standard output where it is, one line at each step
 * ({@code started}, {@code megabyte M} once megabyte M is in the temporary file, {@code checking}, {@code written}),
 * so that the test kills it at a step rather than after a guess of seconds.
 *
 * <p>Arguments: target file, megabytes, pause in milliseconds.
 */
public final class SlowWriteMain {

    static final int MEGABYTE = 1 << 20;

    private SlowWriteMain() {
    }

    public static void main(String[] args) {
        Path target = Path.of(args[0]);
        int megabytes = Integer.parseInt(args[1]);
        long pause = Long.parseLong(args[2]);
        say("started");
        AtomicFiles.write(target, out -> {
            for (int m = 0; m < megabytes; m++) {
                out.write(chunk(m));
                out.flush();
                say("megabyte " + m);
                sleep(pause);
            }
        }, temp -> {
            if (Files.size(temp) != (long) megabytes * MEGABYTE) {
                throw new IOException("incomplete temporary file");
            }
            say("checking");
            sleep(2 * pause);
        });
        say("written");
    }

    private static void say(String step) {
        System.out.println(step);
        System.out.flush();
    }

    /** Megabyte {@code m} of the content: its number in every byte, so that a mix-up shows. */
    public static byte[] chunk(int m) {
        byte[] b = new byte[MEGABYTE];
        Arrays.fill(b, (byte) (m + 1));
        return b;
    }

    /** The complete content of {@code megabytes} megabytes. */
    public static byte[] content(int megabytes) {
        byte[] all = new byte[megabytes * MEGABYTE];
        for (int m = 0; m < megabytes; m++) {
            System.arraycopy(chunk(m), 0, all, m * MEGABYTE, MEGABYTE);
        }
        return all;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
