package org.infopro.spark.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.spark.metrics.RunListener;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;

import java.util.List;
import java.util.Map;

/**
 * The driver's authoritative module state (the only copy that counts: tasks get it by broadcast and return new
 * states), mirrored into the driver's own modules, checkpointed at every position a schedule reaches, and the
 * resume position a run starts from. Owns the driver's modules' native memory.
 */
public final class StateStore implements AutoCloseable {
    private final Path dir;
    private final ModuleStack.Setup setup;
    private final Map<String, Object> config;
    private final Configuration conf;
    private final RunListener listener;
    private final ModuleStack driverStack;
    private final Checkpoint.Position resumeAt;
    private List<ModuleState> state;
    private Checkpoint.Position last;

    /** A store at checkpoint folder {@code dir}, starting from {@code saved} (a resume) or from fresh modules. */
    public StateStore(Path dir, ModuleStack.Setup setup, Map<String, Object> config, Checkpoint.Saved saved,
                      Configuration conf, RunListener listener) {
        this.dir = dir;
        this.setup = setup;
        this.config = config;
        this.conf = conf;
        this.listener = listener;
        this.driverStack = setup.build();
        if (saved != null) {
            state = saved.states();
            driverStack.load(state);
            resumeAt = saved.position();
            last = resumeAt;
        } else {
            state = driverStack.state();
            resumeAt = null;
        }
    }

    public List<ModuleState> state() {
        return state;
    }

    /** Sets the authoritative state (a finished round) and mirrors it into the driver's modules. */
    public void set(List<ModuleState> s) {
        state = s;
        driverStack.load(s);
    }

    /** The driver's modules, holding the current state (for the planner's measurements and the export). */
    public ModuleStack modules() {
        return driverStack;
    }

    /** Writes the checkpoint of the current state at {@code p}, replacing the previous one. */
    public void checkpoint(Checkpoint.Position p) {
        long t = System.nanoTime();
        Checkpoint.write(dir, driverStack, setup, config, p, conf);
        last = p;
        listener.onCheckpoint((System.nanoTime() - t) / 1e9);
    }

    /** Where a resume starts, or null for a new run. */
    public Checkpoint.Position resumeAt() {
        return resumeAt;
    }

    /** The position of the last checkpoint written (or resumed from); null before the first. */
    public Checkpoint.Position last() {
        return last;
    }

    /** Rounds done so far, counted across resumes. */
    public long rounds() {
        return last == null ? 0 : last.rounds();
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        driverStack.close();
    }
}
