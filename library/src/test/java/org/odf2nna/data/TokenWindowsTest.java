package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;

class TokenWindowsTest {

    @TempDir
    Path dir;

    private float[] read(Path npz, String array, int width) {
        try (RowReader r = RowReader.open(npz, array, ColumnRequest.of(width, null, ColumnRequest.Target.ABSENT))) {
            Batch b = r.next(100);
            assertEquals(null, r.next(100), "one batch holds every window");
            return java.util.Arrays.copyOf(b.features(), b.rows() * width);
        }
    }

    /** Bytes cut into windows that do not overlap, the rest left out; a mask of ones and positions beside them. */
    @Test
    void bytesCutIntoWindowsWithTheirMaskAndPositions() throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "abcdefghij");
        Path npz = dir.resolve("w.npz");
        TokenWindows.Written w = TokenWindows.write(text, null, 4, List.of(
                new TokenWindows.Feed("input_ids", TokenWindows.Role.IDS),
                new TokenWindows.Feed("attention_mask", TokenWindows.Role.ONES),
                new TokenWindows.Feed("position_ids", TokenWindows.Role.POSITIONS)), npz);
        assertEquals(2, w.windows());
        assertEquals(10, w.tokens());
        assertEquals('j', w.largestId());
        assertEquals(List.of("input_ids", "attention_mask", "position_ids"), RowReader.arrayNames(npz));
        assertArrayEquals(new float[] {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}, read(npz, "input_ids", 4));
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, read(npz, "attention_mask", 4));
        assertArrayEquals(new float[] {0, 1, 2, 3, 0, 1, 2, 3}, read(npz, "position_ids", 4));
        assertTrue(Files.notExists(dir.resolve("w.npz.ids")), "the ids' scratch file is gone");
    }

    @Test
    void aTextShorterThanAWindowIsRefused() throws Exception {
        Path text = dir.resolve("short.txt");
        Files.writeString(text, "abc");
        InputException e = assertThrows(InputException.class, () -> TokenWindows.write(text, null, 4,
                List.of(new TokenWindows.Feed("x", TokenWindows.Role.IDS)), dir.resolve("w.npz")));
        assertTrue(e.getMessage().contains("holds 3 tokens, fewer than one window of 4"), e.getMessage());
    }

    /** NumPy pads its header so that the data start on a multiple of 64 bytes. */
    @Test
    void headerPaddedAsNumpyPadsIt() {
        for (long n : new long[] {1, 12, 123456789}) {
            byte[] h = TokenWindows.npyHeader(n, 128);
            assertEquals(0, h.length % 64, n + " windows");
            assertEquals('\n', h[h.length - 1]);
        }
    }
}
