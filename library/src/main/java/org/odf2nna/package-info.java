/**
 * What every package shares: {@link org.odf2nna.InputException} (the one error type for bad input, with the file and
 * the place), {@link org.odf2nna.Setting} (the settings messages point to, named by whoever shows them),
 * {@link org.odf2nna.Progress}, {@link org.odf2nna.Device}, {@link org.odf2nna.Memory}, and
 * {@link org.odf2nna.RoundLoop}, the one loop of a sweep's rounds that dense chains and graphs share. Uses no other
 * package of the project.
 */
package org.odf2nna;
