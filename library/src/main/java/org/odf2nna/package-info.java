/**
 * What every package shares: {@link org.odf2nna.InputException} (the one error type for bad input, with the file and
 * the place), {@link org.odf2nna.Setting} (the settings messages point to, named by whoever shows them),
 * {@link org.odf2nna.Progress}, {@link org.odf2nna.Device} and {@link org.odf2nna.Memory}. Uses no other package of
 * the project.
 */
package org.odf2nna;
