/**
 * Report records and their text, JSON and chart renderings. Uses {@code network}, {@code metrics} and {@code io}.
 */
package org.odf2nna.report;
