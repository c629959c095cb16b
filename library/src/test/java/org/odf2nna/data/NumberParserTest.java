package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumberParserTest {

    /**
     * Parses with the character parser and, for ASCII text, checks that the byte parser (the CSV reader's
     * fast path) gives the same bits, or refuses too.
     */
    private static double parse(String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        boolean ascii = s.chars().allMatch(c -> c < 128);
        double fromChars;
        try {
            fromChars = NumberParser.parse(s, 0, s.length());
        } catch (NumberFormatException e) {
            if (ascii) {
                assertThrows(NumberFormatException.class, () -> NumberParser.parse(bytes, 0, bytes.length),
                        "the byte parser refuses '" + s + "' too");
            }
            throw e;
        }
        if (ascii) {
            double fromBytes = NumberParser.parse(bytes, 0, bytes.length);
            assertEquals(Double.doubleToRawLongBits(fromChars), Double.doubleToRawLongBits(fromBytes),
                    () -> "'" + s + "': chars give " + fromChars + ", bytes " + fromBytes);
        }
        return fromChars;
    }

    /** Same double, bit for bit (so 0.0 and -0.0 differ, and one ulp off is a failure). */
    private static void assertSameDouble(String text) {
        double expected = Double.parseDouble(text);
        double actual = parse(text);
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                () -> "'" + text + "': Double.parseDouble gives " + expected + ", NumberParser " + actual);
    }

    private static String digits(Random random, int n) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < n; k++) {
            s.append((char) ('0' + random.nextInt(10)));
        }
        return s.toString();
    }

    /** A random string of the strict grammar [+-]digits[.digits][(e|E)[+-]digits], with at least one digit. */
    private static String randomDecimal(Random random) {
        StringBuilder s = new StringBuilder();
        switch (random.nextInt(4)) {
            case 0: s.append('-'); break;
            case 1: s.append('+'); break;
            default: break;
        }
        // Lengths biased towards the fast path (<= 15 digits) but reaching past 18 and 19 digits.
        int intDigits = random.nextInt(5) == 0 ? random.nextInt(25) : random.nextInt(8);
        String intPart = digits(random, intDigits);
        if (random.nextInt(4) == 0) {
            intPart = "000".substring(random.nextInt(3)) + intPart; // leading zeros
        }
        s.append(intPart);
        int fracDigits = -1;
        if (intPart.isEmpty() || random.nextBoolean()) {
            s.append('.');
            fracDigits = random.nextInt(5) == 0 ? random.nextInt(25) : random.nextInt(8);
            if (intPart.isEmpty() && fracDigits == 0) {
                fracDigits = 1;
            }
            s.append(digits(random, fracDigits));
        }
        if (random.nextInt(3) == 0) {
            s.append(random.nextBoolean() ? 'e' : 'E');
            int r = random.nextInt(3);
            if (r == 0) {
                s.append('-');
            } else if (r == 1) {
                s.append('+');
            }
            int exponent = random.nextInt(4) == 0 ? random.nextInt(400) : random.nextInt(30);
            s.append(random.nextInt(5) == 0 ? "0" + exponent : Integer.toString(exponent));
        }
        return s.toString();
    }

    @Test
    void randomDecimalStringsParseExactlyLikeDoubleParseDouble() {
        Random random = new Random(12345);
        for (int k = 0; k < 200_000; k++) {
            assertSameDouble(randomDecimal(random));
        }
    }

    @Test
    void shortestReprOfRandomDoublesRoundTrips() {
        // Double.toString gives the shortest digits that round back; the parser must land on the same bits.
        Random random = new Random(777);
        for (int k = 0; k < 50_000; k++) {
            double d;
            switch (k % 3) {
                case 0: d = Double.longBitsToDouble(random.nextLong()); break;
                case 1: d = random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20); break;
                default: d = (float) random.nextGaussian(); break;
            }
            if (!Double.isFinite(d)) {
                continue;
            }
            String text = Double.toString(d);
            assertSameDouble(text);
            assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits(parse(text)), text);
            String plain = new BigDecimal(d).toPlainString();
            if (plain.length() < 400) {
                assertSameDouble(plain);
            }
            String asFloat = Float.toString((float) d);
            if (!asFloat.contains("Infinity")) {
                assertSameDouble(asFloat);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0", "-0", "+0", "-0.0", "0.0", "00", "000.000", ".5", "5.", "-.5", "+5.", "0.1", "0.2", "0.3",
        "1e0", "1E0", "1e+0", "1e-0", "1e22", "1e23", "1e-22", "1e-23", "-1e22", "123456789012345678",
        "1234567890123456789", "12345678901234567890123", "9007199254740991", "9007199254740992",
        "9007199254740993", "0.000000000000000000000000000001", "4.9e-324", "2.4703282292062327e-324",
        "2.2250738585072014E-308", "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623158e308",
        "1e308", "1e-400", "1e999", "-1e999", "1e0000000000000000000005", "3.14159265358979323846264338327950288",
        "0.1e1", "100000000000000000000000e-24", "0000000000000000000000000000001", "7.0e-10", "2.5E+3"
    })
    void edgeCasesMatchDoubleParseDouble(String text) {
        assertSameDouble(text);
    }

    @Test
    void signsAndSpecialValues() {
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(parse("-0")));
        assertEquals(0.5, parse(".5"));
        assertEquals(5.0, parse("5."));
        assertEquals(Double.POSITIVE_INFINITY, parse("1e999"), "overflow becomes infinity; the reader rejects it");
        assertEquals(0.0, parse("1e-999"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "+", "-", ".", "-.", "+.e1", "e5", "E5", ".e1", "1e", "1e+", "1e-", "1.5f", "1.5F", "1.5d", "1.5D",
        "0x1p3", "0x10", "NaN", "nan", "Infinity", "-Infinity", "inf", "1,5", "1.2.3", "1e5.5", "1e5e5",
        " 1", "1 ", "1 2", "--1", "+-1", "-+1", "1e--5", "1e+-5", "١٢", "1_000", "1L", "$1", "1%", "e", "x"
    })
    void anythingButAPlainDecimalIsRejected(String text) {
        assertThrows(NumberFormatException.class, () -> parse(text), "'" + text + "'");
    }

    @Test
    void parsesASubrange() {
        String s = "ab-12.5e1cd";
        assertEquals(-125.0, NumberParser.parse(s, 2, 9));
        assertEquals(12.0, NumberParser.parse(s, 3, 5));
        // The fallback path (many digits) must also honour the range, not the whole string.
        String t = "x0.1000000000000000000000000000000000001y";
        assertEquals(Double.parseDouble(t.substring(1, t.length() - 1)), NumberParser.parse(t, 1, t.length() - 1));
        assertThrows(NumberFormatException.class, () -> NumberParser.parse(s, 3, 3));
    }
}
