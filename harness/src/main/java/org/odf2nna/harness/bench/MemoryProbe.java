package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.api.OnnxModel;
import org.odf2nna.settings.Task;

/**
 * Child process of the memory benchmark: runs the scoring pass of {@code shrink} (CSV streamed in
 * batches, every hidden unit's moments, the metrics) once, and prints its peak memory: the heap after
 * each garbage collection (what the pass keeps alive), the heap pools' peaks, and the process's resident
 * set high-water mark (VmHWM, native memory of ONNX Runtime included).
 *
 * <p>Arguments: MODEL CSV BATCH [load-only]. With {@code load-only} the model is read and its scoring
 * session opened, but no row is scored: the baseline of the process.
 */
public final class MemoryProbe {

    private MemoryProbe() {
    }

    public static void main(String[] args) {
        AtomicLong maxAfterGc = new AtomicLong(-1);
        java.util.Set<String> heapPools = new java.util.HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                            (CompositeData) notification.getUserData());
                    long used = 0;
                    for (java.util.Map.Entry<String, MemoryUsage> e
                            : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                        if (heapPools.contains(e.getKey())) {
                            used += e.getValue().getUsed();
                        }
                    }
                    maxAfterGc.accumulateAndGet(used, Math::max);
                }
            }, null, null);
        }
        Path model = Path.of(args[0]);
        Path csv = Path.of(args[1]);
        int batch = Integer.parseInt(args[2]);
        boolean loadOnly = args.length > 3 && args[3].equals("load-only");
        long start = System.nanoTime();
        OnnxModel m = OnnxModel.read(model);
        long rows = 0;
        if (loadOnly) {
            m.scoringSession(Device.CPU).close();
        } else {
            Task task = Task.infer(m.network().outputs(), m.network().head());
            rows = m.scoreUnits(csv, batch, task, Device.CPU, Progress.NONE).rows();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try {
            Thread.sleep(200); // let the last collections' notifications arrive
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long peakPools = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakPools += pool.getPeakUsage().getUsed();
            }
        }
        JsonObject o = new JsonObject();
        o.addProperty("rows", rows);
        o.addProperty("seconds", seconds);
        o.addProperty("maxHeapAfterGcBytes", maxAfterGc.get());
        o.addProperty("peakHeapPoolsBytes", peakPools);
        o.addProperty("heapMaxBytes", Runtime.getRuntime().maxMemory());
        o.addProperty("vmHwmKb", Machine.procStatusKb("VmHWM"));
        o.addProperty("gcCount", ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum());
        System.out.println(Child.PREFIX + o);
        System.out.flush();
        System.exit(0);
    }
}
