/**
 * TensorFlow Java: {@code DenseTrainer} retrains a {@code DenseNetwork} (Adam, best epoch kept, distillation), and
 * SavedModels are read, written and run. Uses {@code network}, {@code settings} and {@code metrics}.
 */
package org.odf2nna.tf;
