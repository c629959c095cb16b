package org.odf2nna.data;

/**
 * Strict decimal parsing for CSV cells: {@code [+-]digits[.digits][(e|E)[+-]digits]} and nothing else
 * (no NaN, no infinity, no hex, no type suffixes such as {@code 1.5f}, which {@link Double#parseDouble}
 * would accept). Short numbers take an exact fast path; the rest go through {@link Double#parseDouble}.
 */
final class NumberParser {

    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    };

    private NumberParser() {
    }

    /**
     * Parses {@code s[start, end)}, already trimmed.
     *
     * @throws NumberFormatException if the text is not a plain decimal number
     */
    static double parse(CharSequence s, int start, int end) {
        int i = start;
        if (i >= end) {
            throw new NumberFormatException("empty");
        }
        boolean negative = false;
        char c = s.charAt(i);
        if (c == '+' || c == '-') {
            negative = c == '-';
            i++;
        }
        long mantissa = 0;
        int significantDigits = 0;
        int decimalExponent = 0;
        int digits = 0;
        boolean exact = true;
        while (i < end && isDigit(s.charAt(i))) {
            int d = s.charAt(i) - '0';
            if (significantDigits < 18) {
                if (mantissa != 0 || d != 0) {
                    significantDigits++;
                }
                mantissa = mantissa * 10 + d;
            } else {
                decimalExponent++;
                exact &= d == 0;
            }
            digits++;
            i++;
        }
        if (i < end && s.charAt(i) == '.') {
            i++;
            while (i < end && isDigit(s.charAt(i))) {
                int d = s.charAt(i) - '0';
                if (significantDigits < 18) {
                    if (mantissa != 0 || d != 0) {
                        significantDigits++;
                    }
                    mantissa = mantissa * 10 + d;
                    decimalExponent--;
                } else {
                    exact &= d == 0;
                }
                digits++;
                i++;
            }
        }
        if (digits == 0) {
            throw new NumberFormatException("no digits");
        }
        if (i < end && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            boolean negativeExponent = false;
            if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                negativeExponent = s.charAt(i) == '-';
                i++;
            }
            int exponentDigits = 0;
            int exponent = 0;
            while (i < end && isDigit(s.charAt(i))) {
                if (exponent < 100_000) {
                    exponent = exponent * 10 + (s.charAt(i) - '0');
                }
                exponentDigits++;
                i++;
            }
            if (exponentDigits == 0) {
                throw new NumberFormatException("no exponent digits");
            }
            decimalExponent += negativeExponent ? -exponent : exponent;
        }
        if (i != end) {
            throw new NumberFormatException("unexpected character");
        }
        double value;
        // Both factors are exact doubles here, so one multiplication or division rounds correctly.
        if (exact && mantissa < (1L << 53) && decimalExponent >= -22 && decimalExponent <= 22) {
            value = decimalExponent >= 0
                    ? mantissa * POWERS_OF_TEN[decimalExponent]
                    : mantissa / POWERS_OF_TEN[-decimalExponent];
        } else {
            value = Double.parseDouble(s.subSequence(start, end).toString());
            return value;
        }
        return negative ? -value : value;
    }

    /**
     * The same grammar and the same result, bit for bit, for ASCII bytes {@code s[start, end)}, already
     * trimmed: the CSV reader's fast path parses cells where they lie in its buffer.
     *
     * @throws NumberFormatException if the bytes are not a plain decimal number
     */
    static double parse(byte[] s, int start, int end) {
        int i = start;
        if (i >= end) {
            throw new NumberFormatException("empty");
        }
        boolean negative = false;
        byte c = s[i];
        if (c == '+' || c == '-') {
            negative = c == '-';
            i++;
        }
        long mantissa = 0;
        int significantDigits = 0;
        int decimalExponent = 0;
        int digits = 0;
        boolean exact = true;
        while (i < end && isDigit(s[i])) {
            int d = s[i] - '0';
            if (significantDigits < 18) {
                if (mantissa != 0 || d != 0) {
                    significantDigits++;
                }
                mantissa = mantissa * 10 + d;
            } else {
                decimalExponent++;
                exact &= d == 0;
            }
            digits++;
            i++;
        }
        if (i < end && s[i] == '.') {
            i++;
            while (i < end && isDigit(s[i])) {
                int d = s[i] - '0';
                if (significantDigits < 18) {
                    if (mantissa != 0 || d != 0) {
                        significantDigits++;
                    }
                    mantissa = mantissa * 10 + d;
                    decimalExponent--;
                } else {
                    exact &= d == 0;
                }
                digits++;
                i++;
            }
        }
        if (digits == 0) {
            throw new NumberFormatException("no digits");
        }
        if (i < end && (s[i] == 'e' || s[i] == 'E')) {
            i++;
            boolean negativeExponent = false;
            if (i < end && (s[i] == '+' || s[i] == '-')) {
                negativeExponent = s[i] == '-';
                i++;
            }
            int exponentDigits = 0;
            int exponent = 0;
            while (i < end && isDigit(s[i])) {
                if (exponent < 100_000) {
                    exponent = exponent * 10 + (s[i] - '0');
                }
                exponentDigits++;
                i++;
            }
            if (exponentDigits == 0) {
                throw new NumberFormatException("no exponent digits");
            }
            decimalExponent += negativeExponent ? -exponent : exponent;
        }
        if (i != end) {
            throw new NumberFormatException("unexpected character");
        }
        double value;
        // Both factors are exact doubles here, so one multiplication or division rounds correctly.
        if (exact && mantissa < (1L << 53) && decimalExponent >= -22 && decimalExponent <= 22) {
            value = decimalExponent >= 0
                    ? mantissa * POWERS_OF_TEN[decimalExponent]
                    : mantissa / POWERS_OF_TEN[-decimalExponent];
        } else {
            value = Double.parseDouble(new String(s, start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1));
            return value;
        }
        return negative ? -value : value;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }
}
