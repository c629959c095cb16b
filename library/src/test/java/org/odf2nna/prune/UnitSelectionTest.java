package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UnitSelectionTest {

    @Test
    void droppedIsTheAscendingComplementOfKept() {
        Random random = new Random(21);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(30);
            List<Integer> kept = new ArrayList<>();
            List<Integer> dropped = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                (random.nextBoolean() ? kept : dropped).add(j);
            }
            if (kept.isEmpty()) {
                kept.add(dropped.remove(0));
            }
            int[] k = kept.stream().mapToInt(Integer::intValue).toArray();
            UnitSelection.Layer layer = new UnitSelection.Layer(k, n, false);
            assertArrayEquals(k, layer.kept());
            assertArrayEquals(dropped.stream().mapToInt(Integer::intValue).toArray(), layer.dropped());
            assertEquals(k.length, layer.keptCount());
            assertEquals(n - k.length, layer.droppedCount());
        }
    }

    @Test
    void keptIndicesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new UnitSelection.Layer(new int[0], 3, false));
        assertThrows(IllegalArgumentException.class, () -> new UnitSelection.Layer(new int[] {2, 1}, 3, false));
        assertThrows(IllegalArgumentException.class, () -> new UnitSelection.Layer(new int[] {1, 1}, 3, false));
        assertThrows(IllegalArgumentException.class, () -> new UnitSelection.Layer(new int[] {-1, 1}, 3, false));
        assertThrows(IllegalArgumentException.class, () -> new UnitSelection.Layer(new int[] {0, 3}, 3, false));
        assertThrows(IllegalArgumentException.class, () -> new UnitSelection.Layer(new int[] {0}, 0, false));
        // Valid edge cases.
        assertArrayEquals(new int[] {1, 2}, new UnitSelection.Layer(new int[] {0}, 3, true).dropped());
        assertArrayEquals(new int[0], new UnitSelection.Layer(new int[] {0, 1, 2}, 3, false).dropped());
    }

    @Test
    void keptArrayIsCopiedInAndOut() {
        int[] kept = {0, 2};
        UnitSelection.Layer layer = new UnitSelection.Layer(kept, 4, false);
        kept[0] = 3;
        layer.kept()[1] = 3;
        assertArrayEquals(new int[] {0, 2}, layer.kept());
        assertArrayEquals(new int[] {1, 3}, layer.dropped());
    }

    @Test
    void allKeepsEveryUnit() {
        UnitSelection all = UnitSelection.all(new int[] {3, 1, 5});
        assertEquals(3, all.layers().size());
        assertArrayEquals(new int[] {0, 1, 2}, all.layer(0).kept());
        assertArrayEquals(new int[] {0}, all.layer(1).kept());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, all.layer(2).kept());
        assertArrayEquals(new int[] {3, 1, 5}, all.keptUnits());
        assertEquals(0, all.layersBelowThreshold());
        for (UnitSelection.Layer layer : all.layers()) {
            assertEquals(0, layer.droppedCount());
            assertFalse(layer.allBelowThreshold());
        }
        assertEquals(0, UnitSelection.all(new int[0]).layers().size());
    }

    @Test
    void countsAndEquality() {
        UnitSelection.Layer a = new UnitSelection.Layer(new int[] {1}, 4, true);
        UnitSelection.Layer b = new UnitSelection.Layer(new int[] {0, 3}, 4, false);
        UnitSelection selection = new UnitSelection(List.of(a, b));
        assertEquals(1, selection.layersBelowThreshold());
        assertArrayEquals(new int[] {1, 2}, selection.keptUnits());
        assertEquals(new UnitSelection.Layer(new int[] {1}, 4, true), a);
        assertEquals(new UnitSelection.Layer(new int[] {1}, 4, true).hashCode(), a.hashCode());
        assertNotEquals(new UnitSelection.Layer(new int[] {1}, 4, false), a);
        assertNotEquals(new UnitSelection.Layer(new int[] {1}, 5, true), a);
        assertNotEquals(new UnitSelection.Layer(new int[] {2}, 4, true), a);
        assertTrue(a.toString().contains("1/4"));
        List<UnitSelection.Layer> list = new ArrayList<>(List.of(a));
        UnitSelection copy = new UnitSelection(list);
        list.add(b);
        assertEquals(1, copy.layers().size(), "the layer list is copied");
    }
}
