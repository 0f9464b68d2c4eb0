package org.infopro.spark.schedule;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paths handed to executors must not depend on their working directory, which differs from the driver's. */
class SpillRootTest {
    @Test
    void aRelativeSpillDirIsQualifiedAgainstTheDriversWorkingDirectory() {
        Path q = SpillRoot.qualified(new Path("out/run/spill"), new Configuration());
        assertEquals("file", q.toUri().getScheme());
        assertTrue(q.isAbsolute() && q.toUri().getPath().equals(
                java.nio.file.Path.of("out/run/spill").toAbsolutePath().toString()), q.toString());
    }
}
