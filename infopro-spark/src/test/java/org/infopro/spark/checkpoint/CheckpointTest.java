package org.infopro.spark.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint on disk: what a write leaves, and what a resume reads after a driver killed at each point
 * of the replacement (the old checkpoint moved aside, the new one renamed in, the old one deleted). Each kill
 * is simulated by building the folders it would leave; position {@code epoch} e has every parameter equal to e,
 * so a read shows which copy it came from.
 */
class CheckpointTest {
    private static final Configuration CONF = new Configuration();
    private static ModuleStack.Setup setup;
    private static ModuleStack stack;

    @BeforeAll
    static void build() {
        ResNetSpec spec = new ResNetSpec(8, 28, 28, 1, 10);
        List<ModulePlan> plans = ModulePlan.plan(spec, SplitPoint.parseList("2,0"), LambdaSchedule.parse("5,1,0,0"));
        setup = new ModuleStack.Setup(spec, plans, new Hyper(1, 0.1, 0.9, 1e-4), HeadSpec.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2));
        stack = setup.build();
    }

    private static Checkpoint.Position at(int epoch) {
        return new Checkpoint.Position(0, epoch, 0, 4, 1, 4L * epoch, false);
    }

    /** The modules at position {@code epoch}: every parameter equal to the epoch. */
    private static List<ModuleState> states(int epoch) {
        List<ModuleState> states = new ArrayList<>();
        for (ModuleState s : stack.state()) {
            float[] p = new float[s.params().length];
            Arrays.fill(p, epoch);
            states.add(new ModuleState(s.module(), p, s.updater(), 4 * epoch, epoch));
        }
        return states;
    }

    /** Writes a complete checkpoint of position {@code epoch} at {@code dir}. */
    private static void write(Path dir, int epoch) {
        Checkpoint.write(hadoop(dir), states(epoch), setup, Map.of("epochs", 9), at(epoch), CONF);
    }

    /** A complete checkpoint of {@code epoch}, written elsewhere and moved to {@code run/to}, where a kill would leave it. */
    private static void writeAndMove(Path run, int epoch, String to) throws IOException {
        write(run.resolve("built"), epoch);
        Files.move(run.resolve("built"), run.resolve(to));
    }

    private static int epochRead(Path run) {
        Checkpoint.Saved s = Checkpoint.read(hadoop(run.resolve("checkpoint")), setup, CONF);
        for (ModuleState m : s.states()) {
            assertEquals(s.position().epoch(), m.params()[0], "module " + (m.module() + 1) + " comes from the same copy as the position");
        }
        return s.position().epoch();
    }

    private static org.apache.hadoop.fs.Path hadoop(Path p) {
        return new org.apache.hadoop.fs.Path(p.toAbsolutePath().toString());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }

    @Test
    void aCheckpointHoldsEachModuleOnceAsItsExactState(@TempDir Path run) throws IOException {
        stack.load(states(1));
        Checkpoint.write(hadoop(run.resolve("checkpoint")), stack, setup, Map.of("epochs", 9), at(1), CONF);
        assertEquals(List.of("checkpoint.json", "module-1.state", "module-2.state"), names(run.resolve("checkpoint")));
        String meta = Files.readString(run.resolve("checkpoint/checkpoint.json"));
        assertTrue(meta.contains("\"modules\" : [ \"module-1.state\", \"module-2.state\" ]"), meta);
        assertEquals(1, epochRead(run));
    }

    @Test
    void replacingACheckpointLeavesNeitherStagingNorTheOldOne(@TempDir Path run) throws IOException {
        write(run.resolve("checkpoint"), 1);
        write(run.resolve("checkpoint"), 2);
        assertEquals(List.of("checkpoint"), names(run));
        assertEquals(2, epochRead(run));
    }

    @Test
    void killedAfterMovingTheOldAsideResumesFromTheCompleteStaging(@TempDir Path run) throws IOException {
        writeAndMove(run, 1, ".checkpoint.old-0");
        writeAndMove(run, 2, ".checkpoint.staging");
        assertEquals(2, epochRead(run), "the staging folder is complete and newer than the moved-aside one");
    }

    @Test
    void killedWithOnlyTheMovedAsideCheckpointResumesFromIt(@TempDir Path run) throws IOException {
        writeAndMove(run, 1, ".checkpoint.old-0");
        assertEquals(1, epochRead(run));
    }

    @Test
    void anIncompleteStagingFolderIsNeverRead(@TempDir Path run) throws IOException {
        writeAndMove(run, 2, ".checkpoint.staging");
        Files.delete(run.resolve(".checkpoint.staging/checkpoint.json")); // written last: the kill came before it
        writeAndMove(run, 1, ".checkpoint.old-0");
        assertEquals(1, epochRead(run), "with the old checkpoint moved aside");
        write(run.resolve("checkpoint"), 3);
        Files.createDirectories(run.resolve(".checkpoint.staging"));
        assertEquals(3, epochRead(run), "with the checkpoint in place");
    }

    @Test
    void killedBeforeTheOldWasDeletedReadsTheNewOne(@TempDir Path run) throws IOException {
        writeAndMove(run, 1, ".checkpoint.old-0");
        write(run.resolve("checkpoint"), 2);
        assertEquals(2, epochRead(run));
    }

    @Test
    void ofSeveralMovedAsideCheckpointsTheNewestIsRead(@TempDir Path run) throws IOException {
        writeAndMove(run, 2, ".checkpoint.old-b");
        writeAndMove(run, 1, ".checkpoint.old-a");
        Files.setLastModifiedTime(run.resolve(".checkpoint.old-a/checkpoint.json"), FileTime.fromMillis(1_000_000_000_000L));
        Files.setLastModifiedTime(run.resolve(".checkpoint.old-b/checkpoint.json"), FileTime.fromMillis(1_000_000_060_000L));
        assertEquals(2, epochRead(run));
    }

    @Test
    void theWriteAfterARecoveredResumeCleansUp(@TempDir Path run) throws IOException {
        writeAndMove(run, 1, ".checkpoint.old-0");
        writeAndMove(run, 2, ".checkpoint.staging");
        assertEquals(2, epochRead(run));
        write(run.resolve("checkpoint"), 3);
        assertEquals(List.of("checkpoint"), names(run), "no staging or moved-aside folder left");
        assertEquals(3, epochRead(run));
    }

    @Test
    void noCheckpointAnywhereNamesTheFix(@TempDir Path run) throws IOException {
        Files.createDirectories(run.resolve(".checkpoint.staging"));
        ConfigException e = assertThrows(ConfigException.class, () -> epochRead(run));
        assertTrue(e.getMessage().contains("no checkpoint") && e.getMessage().contains("without --resume"), e.getMessage());
        assertFalse(Files.exists(run.resolve("checkpoint")));
    }
}
