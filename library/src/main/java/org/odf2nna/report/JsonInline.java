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
 * <p>
 * An {@link #alternative} part is one of several a report holds one of at a time (a dense chain's fields or a graph's),
 * so its names may repeat another part's or the parent's: left null, it writes nothing; written, no name may land twice
 * (checked as it is written); read back (else null) where a field that it alone writes is there.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface JsonInline {

    /** Whether the part is one of alternatives that share field names (see above). */
    boolean alternative() default false;
}
