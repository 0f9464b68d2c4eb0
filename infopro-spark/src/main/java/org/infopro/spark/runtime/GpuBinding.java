package org.infopro.spark.runtime;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.List;

/**
 * Binds the thread of a Spark training task to the GPU that Spark's resource scheduler assigned the task
 * ({@code spark.task.resource.gpu.amount}). Call {@link #bindCurrentTask()} first thing in a task, before
 * any ND4J array is created: ND4J places a thread's arrays on the device the thread is bound to.
 *
 * <p>On the CUDA backend the thread is bound with {@code AffinityManager.unsafeSetDevice(address)}: the
 * address is the device index the discovery script reported (submit/gpu-discovery.sh lists nvidia-smi
 * indices, so executors need {@code CUDA_DEVICE_ORDER=PCI_BUS_ID} for CUDA to number devices the same way).
 * On the CPU backend nothing is bound; the assignment is only recorded, which is how scheduling is tested
 * with fake GPU addresses. Without a TaskContext (driver, unit tests) or without a gpu resource this is a
 * no-op. The backend is chosen at run time, so this compiles against nd4j-api alone.
 */
public final class GpuBinding {
    public static final String RESOURCE = "gpu";
    public static final String NOT_IN_TASK = "none: no Spark task";
    public static final String NO_GPU = "none: no gpu assigned";
    public static final String CPU_NOT_BOUND = "cpu backend: not bound";

    private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);

    private GpuBinding() {
    }

    /**
     * What one task was given and what was done with it.
     *
     * @param device {@code "cuda:<n>"} when a CUDA device was bound, else {@link #CPU_NOT_BOUND},
     *               {@link #NO_GPU} or {@link #NOT_IN_TASK}
     */
    public record Assignment(long taskAttemptId, int partition, String executorId, List<String> addresses,
                             String device) implements Serializable {
        public boolean bound() {
            return device.startsWith("cuda:");
        }
    }

    /** The ND4J side of binding, separated so the decision can be tested without a GPU. */
    interface Device {
        boolean isCpu();

        int deviceCount();

        void bindCurrentThread(int device);
    }

    private static final Device ND4J = new Device() {
        @Override
        public boolean isCpu() {
            return Nd4j.getEnvironment().isCPU();
        }

        @Override
        public int deviceCount() {
            return Nd4j.getAffinityManager().getNumberOfDevices();
        }

        @Override
        public void bindCurrentThread(int device) {
            Nd4j.getAffinityManager().unsafeSetDevice(device);
        }
    };

    /** Binds the calling task's thread to its assigned GPU, if it has one; logs one line per task. */
    public static Assignment bindCurrentTask() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return new Assignment(-1, -1, "driver", List.of(), NOT_IN_TASK);
        }
        ResourceInformation gpu = task.resourcesJMap().get(RESOURCE);
        List<String> addresses = gpu == null ? List.of() : List.of(gpu.addresses());
        String executor = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
        Assignment a = bind(task.taskAttemptId(), task.partitionId(), executor, addresses, ND4J);
        LOG.info("gpu binding: task {} (partition {}) on executor {}: gpu addresses {} -> {}",
                a.taskAttemptId(), a.partition(), a.executorId(), a.addresses(), a.device());
        return a;
    }

    static Assignment bind(long taskAttemptId, int partition, String executorId, List<String> addresses, Device nd4j) {
        if (addresses.isEmpty()) {
            return new Assignment(taskAttemptId, partition, executorId, addresses, NO_GPU);
        }
        if (nd4j.isCpu()) {
            return new Assignment(taskAttemptId, partition, executorId, addresses, CPU_NOT_BOUND);
        }
        // A task given several GPUs still runs one ND4J thread; it works on the first, the rest stay reserved.
        String address = addresses.get(0);
        int device;
        try {
            device = Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("gpu address '" + address + "' assigned by Spark is not a CUDA device index;"
                    + " expected an integer from the discovery script (submit/gpu-discovery.sh prints nvidia-smi indices).");
        }
        int count = nd4j.deviceCount();
        if (device < 0 || device >= count) {
            throw new IllegalStateException("gpu address " + device + " assigned by Spark is not one of the " + count
                    + " CUDA devices ND4J sees on executor " + executorId + "; check the discovery script and"
                    + " CUDA_VISIBLE_DEVICES on that node.");
        }
        nd4j.bindCurrentThread(device);
        return new Assignment(taskAttemptId, partition, executorId, addresses, "cuda:" + device);
    }
}
