package org.infopro.spark.runtime;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.infopro.data.config.Opt;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The C heap under ND4J, and when its free memory goes back to the operating system.
 *
 * <p>libnd4j and oneDNN allocate through malloc. ND4J's workspaces learn their sizes in a network's first steps on a
 * thread: until then (and whenever one must grow) every array they would hold is a separate malloc, freed at the
 * end of the step. glibc keeps freed memory in its arenas, which shrink only from the top (and not at all with the
 * launcher's tuned settings), so that transient peak stays resident for the life of the process: measured
 * (ResNet-32, batch 128, one thread, glibc's {@code malloc_stats} at step 30) 2.5 GB of RSS; 2.9 GB taken from the
 * OS, 0.53 GB of it in use, and the training thread's arena 1.95 GB with 0.11 GB in use. glibc's
 * {@code malloc_trim(0)} releases every free page of every arena, including those in the middle.
 *
 * <p>So a step after which the thread's workspaces changed size is followed by a trim ({@link #settle}), as is the
 * end of a task ({@link #releaseThread}); once the workspaces are stable no step trims, and freed memory is reused
 * without new page faults. Where the C library has no {@code malloc_trim} (not glibc) trimming does nothing.
 *
 * <p>Arrays outside workspaces (a step's parameter updates, the input batch, averaging, evaluation) are freed only
 * when the JVM has collected them: ND4J keeps a weak reference to each buffer and its deallocator thread frees the
 * native memory once a collection has found the buffer dead. The Java objects are small, so the heap sees little
 * pressure and collects rarely, and ND4J's own periodic collection is inactive on the CPU backend
 * ({@code CpuMemoryManager.isPeriodicGcActive()} is false). So dead buffers pile up in native memory between
 * collections: measured (ResNet-8 on Fashion-MNIST, one task, 938 steps) a peak RSS of 1.49 GB, against 1.03 GB with
 * a full collection every 10 s. {@link #reclaim} is that collection, at most once per interval per JVM, from the
 * training and validation loops ({@code --reclaim-every}). It is off by default because it cost 1.25x the time in the
 * same measurement; a perf profile of shorter runs put 14 % of the CPU samples in the kernel, mostly anonymous page
 * faults from compiled Java code, against 5 % without.
 */
public final class NativeMemory {
    private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);
    private static final Function MALLOC_TRIM = lookup();
    private static final AtomicLong LAST_RECLAIM = new AtomicLong(System.nanoTime());

    /** The train option that bounds how long dead ND4J buffers wait for a collection. */
    public static final Opt<Integer> RECLAIM_EVERY = Opt.intIn("reclaim-every", "S", "Free the native memory of dead ND4J arrays "
            + "at least every S seconds while training and validating: a full collection of the task's JVM at most once per "
            + "S s (ND4J frees an array's native memory only once the JVM has collected it, and a heap holding little else "
            + "collects rarely). It trades time for memory: every 10 s cut a training JVM's peak RSS to 0.52x and cost 1.25x the "
            + "time (docs/results/native-reclaim.md); for executors whose container limit is tight. 0 = leave it to the JVM.",
            0, 0, 86_400);

    /** The id of the workspace DL4J keeps a training pass's activations in (ComputationGraph.WS_ALL_LAYERS_ACT). */
    static final String TRAINING_ACTIVATIONS = "WS_ALL_LAYERS_ACT";

    /**
     * DL4J's configuration of that workspace (learn the size in the first pass, spill and grow when a pass needs
     * more) without its 5 % over-allocation, which is for inputs whose shape varies: a step repeats one batch
     * shape, and a smaller last batch fits. The activation-gradient workspaces get it too.
     */
    private static final WorkspaceConfiguration EXACT = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyAllocation(AllocationPolicy.STRICT)
            .build();

    /**
     * The ids of the workspaces DL4J keeps a backward pass's activation gradients in ({@code ComputationGraph
     * .calcBackpropGradients} opens {@code WS_LAYER_ACT_<n>} as it needs another; inference's {@code outputOfLayersDetached}
     * reuses them for activations). A residual network's backward pass needs three: one for the gradient of a block's output,
     * held until both of its branches have used it, and two that alternate along the branch.
     */
    static final List<String> ACTIVATION_GRADIENTS = List.of("WS_LAYER_ACT_0", "WS_LAYER_ACT_1", "WS_LAYER_ACT_2");

    private NativeMemory() {
    }

    private static Function lookup() {
        try {
            return NativeLibrary.getInstance("c").getFunction("malloc_trim");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("no malloc_trim in this C library; freed native memory stays with the allocator: {}", e.toString());
            return null;
        }
    }

    /** Whether this process's C library can return free heap memory to the OS. */
    public static boolean canTrim() {
        return MALLOC_TRIM != null;
    }

    /** Returns the C heap's free pages to the OS; true if any memory was released. */
    public static boolean trim() {
        return MALLOC_TRIM != null && MALLOC_TRIM.invokeInt(new Object[]{0}) != 0;
    }

    /**
     * A full collection of this JVM (so ND4J's deallocator frees every dead buffer's native memory), unless one was made
     * here less than {@code everySeconds} ago; 0 = never. Any number of task threads may call it: the interval is the
     * JVM's. True if this call collected.
     */
    public static boolean reclaim(double everySeconds) {
        if (everySeconds <= 0) {
            return false;
        }
        long now = System.nanoTime();
        long last = LAST_RECLAIM.get();
        if (now - last < (long) (everySeconds * 1e9) || !LAST_RECLAIM.compareAndSet(last, now)) {
            return false;
        }
        System.gc();
        LOG.debug("full collection for dead ND4J buffers took {} ms", (System.nanoTime() - now) / 1_000_000);
        return true;
    }

    /** Capacity of every ND4J workspace of the calling thread. */
    public static long workspaceBytes() {
        long ws = 0;
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            ws += w.getCurrentSize();
        }
        return ws;
    }

    /**
     * Call after an ND4J step with {@link #workspaceBytes()} from before it: trims when the workspaces changed size
     * in the step, that is when the step's arrays were mallocs of their own rather than workspace memory.
     */
    public static void settle(long workspaceBytesBefore) {
        long after = workspaceBytes();
        if (after != workspaceBytesBefore && canTrim()) {
            long t = System.nanoTime();
            trim();
            LOG.debug("workspaces {} -> {} MiB in the step; malloc_trim took {} ms", workspaceBytesBefore >> 20, after >> 20,
                    (System.nanoTime() - t) / 1_000_000);
        }
    }

    /**
     * The start of a task on this thread: a clean slate of ND4J workspaces (Spark reuses task threads, so what a
     * task measures is its own), with the training-activation and the activation-gradient workspaces created ahead of
     * DL4J as {@link #EXACT}; DL4J then uses them, as it takes a workspace of the id it asks for when one exists.
     *
     * <p>DL4J's own configuration of the activation-gradient workspaces learns their size only after as many uses as the
     * graph has vertices. A backward pass uses each of them about a third as often, so for its first steps every
     * activation gradient is a separate malloc outside any workspace: memory that no workspace capacity (the peak of
     * {@code metrics.TaskMemory}) shows, and page faults on every step. Learned in the first use and grown when a use
     * needs more, they hold the activation gradients from the first step on.
     */
    public static void freshThread() {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(EXACT, TRAINING_ACTIVATIONS);
        for (String id : ACTIVATION_GRADIENTS) {
            Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(EXACT, id);
        }
    }

    /** The end of a task on this thread: its workspaces are destroyed and the C heap's free memory returned. */
    public static void releaseThread() {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        trim();
    }
}
