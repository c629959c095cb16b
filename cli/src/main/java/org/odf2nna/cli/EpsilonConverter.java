package org.odf2nna.cli;

import picocli.CommandLine;

/** Parses one ε: a finite number ≥ 0. */
final class EpsilonConverter implements CommandLine.ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
        double epsilon;
        try {
            epsilon = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a number");
        }
        if (Double.isNaN(epsilon) || Double.isInfinite(epsilon)) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a finite number");
        }
        if (epsilon < 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is negative; ε is a standard deviation "
                    + "threshold, 0 or more");
        }
        return epsilon;
    }
}
