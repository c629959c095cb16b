package org.odf2nna;

import java.lang.reflect.Method;

/**
 * Hands freed native memory back to the system. ONNX Runtime's and TensorFlow's tensors are malloc'd; once a session
 * closes, glibc keeps the freed pages in its arenas, so that each phase's peak (a refit's prefix sessions, a gradient
 * pass) stayed resident through every phase after it: a 3 M-parameter GPT's sweep held 5 GB where its phases needed
 * under 2. {@code malloc_trim(0)} returns every whole free page; JavaCPP (which TensorFlow's bindings load) calls it
 * for us once TensorFlow has loaded it (before that there is nothing of TensorFlow to return, and ONNX Runtime alone
 * is not worth loading TensorFlow for). Best effort: where it is not there (another C library, another platform,
 * TensorFlow not loaded yet) nothing happens.
 */
public final class NativeMemory {

    private static final Method TRIM = trimMethod();

    private NativeMemory() {
    }

    private static Method trimMethod() {
        try {
            Method m = Class.forName("org.bytedeco.javacpp.Pointer").getDeclaredMethod("trimMemory");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Returns the native heap's free pages to the system; false where that cannot be done here. */
    public static boolean trim() {
        if (TRIM == null) {
            return false;
        }
        try {
            return Boolean.TRUE.equals(TRIM.invoke(null));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
