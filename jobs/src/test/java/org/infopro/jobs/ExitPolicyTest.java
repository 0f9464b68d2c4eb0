package org.infopro.jobs;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.infopro.jobs.ExitPolicy.EXIT_CODE;
import static org.infopro.jobs.ExitPolicy.RETURN_OR_THROW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Only a YARN cluster-mode driver must not call System.exit (operations notes, "Exit codes and retries on YARN"). */
class ExitPolicyTest {

    @Test
    void onlyAYarnClusterModeDriverReturnsOrThrows() {
        assertEquals(EXIT_CODE, ExitPolicy.of(null, null), "plain java, no spark-submit");
        assertEquals(EXIT_CODE, ExitPolicy.of("local[2]", "client"));
        assertEquals(EXIT_CODE, ExitPolicy.of("local", null));
        assertEquals(EXIT_CODE, ExitPolicy.of("spark://master:7077", "client"));
        assertEquals(EXIT_CODE, ExitPolicy.of("spark://master:7077", "cluster"), "standalone: the worker reports the driver's exit code");
        assertEquals(EXIT_CODE, ExitPolicy.of("yarn", "client"));
        assertEquals(EXIT_CODE, ExitPolicy.of("yarn", null), "the deploy mode defaults to client");
        assertEquals(EXIT_CODE, ExitPolicy.of("yarn-client", null));
        assertEquals(RETURN_OR_THROW, ExitPolicy.of("yarn", "cluster"));
        assertEquals(RETURN_OR_THROW, ExitPolicy.of(" YARN ", "Cluster "));
        assertEquals(RETURN_OR_THROW, ExitPolicy.of("yarn-cluster", null));
        assertEquals(EXIT_CODE, ExitPolicy.of("k8s://https://api:6443", "cluster"), "the driver pod's exit code is the JVM's");
        assertEquals(EXIT_CODE, ExitPolicy.of("k8s://https://api:6443", "client"));
    }

    @Test
    void readsWhatSparkSubmitAndTheApplicationMasterSetForTheDriver() {
        Properties client = new Properties();
        client.setProperty("spark.master", "yarn");
        client.setProperty("spark.submit.deployMode", "client");
        assertEquals(EXIT_CODE, ExitPolicy.of(client));
        Properties am = new Properties();
        am.setProperty("spark.master", "yarn");
        am.setProperty("spark.submit.deployMode", "cluster");
        am.setProperty("spark.yarn.app.id", "application_1700000000000_0001");
        assertEquals(RETURN_OR_THROW, ExitPolicy.of(am));
        Properties amOnly = new Properties();
        amOnly.setProperty("spark.yarn.app.id", "application_1700000000000_0001");
        assertEquals(RETURN_OR_THROW, ExitPolicy.of(amOnly), "only the ApplicationMaster sets the app id as a system property");
        assertEquals(EXIT_CODE, ExitPolicy.of(new Properties()));
    }
}
