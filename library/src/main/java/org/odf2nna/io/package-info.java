/**
 * Files written and read safely: {@code AtomicFiles} (hidden temporary file, verification, atomic rename),
 * {@code OutputPaths} (outputs never over an input) and {@code ProtobufFiles} (a whole protobuf file read). Uses only
 * {@code org.odf2nna}, so every package below it in README's table may use it.
 */
package org.odf2nna.io;
