package org.odf2nna.report;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record that a JSON report writes as its parent's own fields, in their place, not as an object of its own.
 * A wide report groups its fields into parts for the code (its rows, its timing) while its JSON, a public format, keeps
 * the flat layout it always had ({@link InlineParts} writes and reads it; {@link ReportSchema#read} checks its fields
 * at the parent's level). A part's component names must differ from its parent's.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface JsonInline {
}
