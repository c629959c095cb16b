/**
 * What a user chooses, as values: the workflows' settings with their builders, defaults and checks, and the value
 * types they are made of ({@code Task}, {@code Distillation}, {@code Schedule}, {@code PruningOptions},
 * {@code TrainingOptions}, {@code GaSettings}, {@code Quantize}, {@code ModelFormat}, ...). No logic beyond the
 * checks: the algorithms that read these values live in the packages below it. Uses {@code network} (the output
 * head a {@code Task} is inferred from).
 */
package org.odf2nna.settings;
