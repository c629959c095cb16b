package org.odf2nna;

import java.util.Map;

/** Where the runtimes compute: the CPU (default) or an NVIDIA GPU through CUDA. */
public enum Device {
    CPU, CUDA;

    /** Parses cpu, or cuda (alias gpu), case-insensitive; a usage error for anything else. */
    public static Device parse(String text) {
        return Setting.DEVICE.parse(text, Map.of("cpu", CPU, "cuda", CUDA, "gpu", CUDA), "device", "cpu or cuda");
    }
}
