package org.odf2nna.data;

import java.util.List;

/**
 * What a CSV file's header row says before any row is read ({@link CsvReader}): its delimiter, and whether it is a
 * header at all or a first row of data. Its own room because it reads one line of text, where {@link CsvReader} streams
 * the file's bytes.
 */
final class CsvHeaders {

    private CsvHeaders() {
    }

    static char detectDelimiter(String headerLine) {
        // Only delimiters outside double quotes count: "weight (kg, adult)";height is semicolon-separated.
        StringBuilder unquoted = new StringBuilder(headerLine.length());
        boolean quoted = false;
        for (int i = 0; i < headerLine.length(); i++) {
            char c = headerLine.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted) {
                unquoted.append(c);
            }
        }
        if (unquoted.indexOf(",") >= 0) {
            return ',';
        }
        if (unquoted.indexOf(";") >= 0) {
            return ';';
        }
        if (unquoted.indexOf("\t") >= 0) {
            return '\t';
        }
        return ',';
    }

    static boolean looksNumeric(List<String> names) {
        for (String name : names) {
            try {
                NumberParser.parse(name, 0, name.length());
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }
}
