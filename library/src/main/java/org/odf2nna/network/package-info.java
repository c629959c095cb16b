/**
 * The format-free model in the middle: {@link org.odf2nna.network.DenseNetwork} (an immutable chain of
 * {@link org.odf2nna.network.DenseLayer}s with an input prefix and an output head) and a plain-Java forward pass used
 * as the reference. Uses no other package of the project.
 */
package org.odf2nna.network;
