package org.odf2nna.data;

import java.nio.charset.StandardCharsets;

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

    /** What a character beyond ASCII becomes: a byte that no part of the grammar accepts. */
    private static final byte NOT_IN_GRAMMAR = (byte) 0x80;

    private NumberParser() {
    }

    /**
     * Parses {@code s[start, end)}, already trimmed.
     *
     * @throws NumberFormatException if the text is not a plain decimal number
     */
    static double parse(CharSequence s, int start, int end) {
        // One grammar for both inputs: the characters go to the byte parser as ASCII. Any other character is
        // outside the grammar, so it becomes a byte outside it too (a non-ASCII byte) and is refused the same way.
        byte[] ascii = new byte[Math.max(end - start, 0)];
        for (int k = 0; k < ascii.length; k++) {
            char c = s.charAt(start + k);
            ascii[k] = c < 0x80 ? (byte) c : NOT_IN_GRAMMAR;
        }
        return parse(ascii, 0, ascii.length);
    }

    /**
     * Parses the ASCII bytes {@code s[start, end)}, already trimmed: the CSV reader's fast path parses cells where
     * they lie in its buffer.
     *
     * @throws NumberFormatException if the bytes are not a plain decimal number
     */
    static double parse(byte[] s, int start, int end) {
        if (start >= end) {
            throw new NumberFormatException("empty");
        }
        int i = start;
        boolean negative = s[i] == '-';
        if (negative || s[i] == '+') {
            i++;
        }
        long mantissa = 0;
        int significantDigits = 0;
        int decimalExponent = 0;
        int digits = 0;
        boolean exact = true;
        boolean afterPoint = false;
        // The digits before and after the point: the first 18 significant ones make the mantissa.
        for (; i < end; i++) {
            byte c = s[i];
            if (isDigit(c)) {
                int d = c - '0';
                if (significantDigits < 18) {
                    if (mantissa != 0 || d != 0) {
                        significantDigits++;
                    }
                    mantissa = mantissa * 10 + d;
                    if (afterPoint) {
                        decimalExponent--;
                    }
                } else {
                    if (!afterPoint) {
                        decimalExponent++;
                    }
                    exact &= d == 0;
                }
                digits++;
            } else if (c == '.' && !afterPoint) {
                afterPoint = true;
            } else {
                break;
            }
        }
        if (digits == 0) {
            throw new NumberFormatException("no digits");
        }
        if (i < end) {
            if (s[i] != 'e' && s[i] != 'E') {
                throw new NumberFormatException("unexpected character");
            }
            decimalExponent += exponent(s, i + 1, end);
        }
        // Both factors are exact doubles here, so one multiplication or division rounds correctly.
        if (exact && mantissa < (1L << 53) && decimalExponent >= -22 && decimalExponent <= 22) {
            double value = decimalExponent >= 0
                    ? mantissa * POWERS_OF_TEN[decimalExponent]
                    : mantissa / POWERS_OF_TEN[-decimalExponent];
            return negative ? -value : value;
        }
        return Double.parseDouble(new String(s, start, end - start, StandardCharsets.ISO_8859_1));
    }

    /** The exponent {@code [+-]digits} that runs from {@code i} to {@code end}, capped far beyond any double's. */
    private static int exponent(byte[] s, int i, int end) {
        boolean negative = false;
        if (i < end && (s[i] == '+' || s[i] == '-')) {
            negative = s[i] == '-';
            i++;
        }
        int digitsStart = i;
        int exponent = 0;
        for (; i < end && isDigit(s[i]); i++) {
            if (exponent < 100_000) {
                exponent = exponent * 10 + (s[i] - '0');
            }
        }
        if (i == digitsStart) {
            throw new NumberFormatException("no exponent digits");
        }
        if (i != end) {
            throw new NumberFormatException("unexpected character");
        }
        return negative ? -exponent : exponent;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }
}
