package org.odf2nna.settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.Setting;

/**
 * How a graph's inputs are fed beyond what the model says: the shape of one row of the input the data files feed (the
 * batch axis left out), where the model leaves it open; which input that is, where the graph has several; and what
 * every other input gets, a constant or rows of its own.
 *
 * @param rowShape   one row's shape ({@code 3, 48, 192}), or null to take it from the model
 * @param pruneInput the graph input the data files feed, or null: the one input no {@code others} entry names
 * @param others     the other inputs
 */
public record ModelInputs(long[] rowShape, String pruneInput, List<Other> others) {

    /** Nothing beyond what the model says: one input, its shape fixed. */
    public static final ModelInputs NONE = new ModelInputs(null, null, List.of());

    /**
     * What one other input is fed.
     *
     * @param name     the graph input
     * @param constant the value every element holds (a zero recurrent state, an all-ones mask, a sample rate), or null
     * @param files    otherwise one file of rows per data file of the run, in the order the run reads them
     */
    public record Other(String name, Double constant, List<Path> files) {

        public Other {
            files = files == null ? List.of() : List.copyOf(files);
            InvalidSetting.require(name != null && !name.isEmpty(), Setting.INPUT.ref() + " needs an input name "
                    + "before '=': NAME=VALUE or NAME=FILE");
            InvalidSetting.require((constant == null) != files.isEmpty(), Setting.INPUT.ref() + " " + name
                    + ": give a number (a constant) or files, not both");
        }

        /** The setting as written: {@code NAME=VALUE} or {@code NAME=FILE,FILE}. */
        public String describe() {
            String value = constant == null ? null : constant == Math.rint(constant) && Math.abs(constant) < 1e15
                    ? Long.toString((long) constant.doubleValue()) : Double.toString(constant);
            return name + "=" + (value != null ? value : String.join(",", files.stream().map(Path::toString)
                    .toList()));
        }
    }

    public ModelInputs {
        rowShape = rowShape == null ? null : rowShape.clone();
        others = others == null ? List.of() : List.copyOf(others);
        if (rowShape != null) {
            for (long d : rowShape) {
                InvalidSetting.require(d >= 1, Setting.INPUT_SHAPE.ref() + " must be sizes of 1 or more, separated "
                        + "by commas (the batch axis left out), got " + describeShape(rowShape));
            }
        }
        Set<String> names = new HashSet<>();
        for (Other o : others) {
            InvalidSetting.require(names.add(o.name()), Setting.INPUT.ref() + " names input '" + o.name()
                    + "' twice");
            InvalidSetting.require(!o.name().equals(pruneInput), Setting.INPUT.ref() + " names input '" + o.name()
                    + "', which " + Setting.PRUNE_INPUT.ref() + " names as the one the data files feed");
        }
    }

    @Override
    public long[] rowShape() {
        return rowShape == null ? null : rowShape.clone();
    }

    /** Whether anything beyond the model is said. */
    public boolean isDefault() {
        return rowShape == null && pruneInput == null && others.isEmpty();
    }

    /** The same with another row shape. */
    public ModelInputs withRowShape(long[] shape) {
        return new ModelInputs(shape, pruneInput, others);
    }

    /** {@code 3,48,192} as a shape; a usage error naming the setting otherwise. */
    public static long[] parseShape(String text) {
        String[] parts = text.strip().split("\\s*[,x×]\\s*");
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                shape[i] = Long.parseLong(parts[i]);
            } catch (NumberFormatException e) {
                throw new InvalidSetting(Setting.INPUT_SHAPE.ref() + " must be sizes separated by commas, e.g. "
                        + "3,48,192 (the batch axis left out), got '" + text + "'");
            }
        }
        return shape;
    }

    /** {@code NAME=VALUE} (a number) or {@code NAME=FILE[,FILE...]}; a usage error naming the setting otherwise. */
    public static Other parseOther(String text) {
        int eq = text.indexOf('=');
        InvalidSetting.require(eq > 0 && eq < text.length() - 1, Setting.INPUT.ref() + " must be NAME=VALUE (a "
                + "constant) or NAME=FILE (rows; one file per data file, separated by commas), got '" + text + "'");
        String name = text.substring(0, eq);
        String value = text.substring(eq + 1);
        try {
            double constant = Double.parseDouble(value);
            InvalidSetting.require(Double.isFinite(constant), Setting.INPUT.ref() + " " + name + ": the constant "
                    + "must be a finite number, got " + value);
            return new Other(name, constant, null);
        } catch (NumberFormatException e) {
            List<Path> files = new ArrayList<>();
            for (String f : value.split(",")) {
                InvalidSetting.require(!f.isBlank(), Setting.INPUT.ref() + " " + name + ": an empty file name in '"
                        + value + "'");
                files.add(Path.of(f));
            }
            return new Other(name, null, files);
        }
    }

    static String describeShape(long[] shape) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? "," : "").append(shape[i]);
        }
        return s.toString();
    }
}
