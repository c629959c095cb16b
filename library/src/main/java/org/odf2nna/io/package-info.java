/**
 * Writing files safely: {@code AtomicFiles} (hidden temporary file, verification, atomic rename) and
 * {@code OutputPaths} (outputs never over an input). Uses only {@code org.odf2nna}.
 */
package org.odf2nna.io;
