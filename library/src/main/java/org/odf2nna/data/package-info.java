/**
 * Reading rows: {@code CsvReader} streams CSV files (plain or gzip) into primitive batches with strict number parsing
 * and one-line errors naming the file, line and column. Uses {@code network}.
 */
package org.odf2nna.data;
