package org.odf2nna;

import java.util.Locale;

/** Where the runtimes compute: the CPU (default) or an NVIDIA GPU through CUDA. */
public enum Device {
    CPU, CUDA;

    public static Device parse(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "cpu":
                return CPU;
            case "cuda":
            case "gpu":
                return CUDA;
            default:
                throw InputException.usage("{{DEVICE}}: unknown device '" + text + "'; use cpu or cuda");
        }
    }
}
