/**
 * The command line (picocli): every flag, its help text and its mapping to the library's options, the flag for each
 * {@link org.odf2nna.Setting} the library's messages name ({@code Flags}), exit codes and the progress bar. Uses
 * {@code api}, {@code harness.bench}, {@code harness.reproduce}, {@code report} and {@code settings}; nothing uses it.
 */
package org.odf2nna.cli;
