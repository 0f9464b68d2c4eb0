package org.infopro.jobs;

import java.util.Locale;
import java.util.Properties;

/**
 * How {@code main} must end, given where the driver runs. A YARN cluster-mode driver runs inside the
 * ApplicationMaster, which reports the application's final status only after {@code main} returns. A
 * {@code System.exit} there, even {@code exit(0)}, ends the JVM first, so YARN marks the run FAILED and starts it
 * again. Such a driver therefore returns on success and throws on failure. Everywhere else (local, standalone
 * client or cluster, YARN client, Kubernetes) the driver JVM's exit code is what the caller sees, and
 * {@code main} exits with 0, 1 or 2.
 */
enum ExitPolicy {
    /** {@code System.exit}: 0 ok, 1 runtime failure, 2 invalid input. */
    EXIT_CODE,
    /** Return on success, throw on failure. Only zero or non-zero reaches the caller; result.json has the class. */
    RETURN_OR_THROW;

    /** The policy for a driver of {@code master} ({@code spark.master}) in {@code deployMode} (null means client). */
    static ExitPolicy of(String master, String deployMode) {
        String m = master == null ? "" : master.trim().toLowerCase(Locale.ROOT);
        String d = deployMode == null ? "" : deployMode.trim().toLowerCase(Locale.ROOT);
        boolean yarn = m.equals("yarn") || m.startsWith("yarn-");
        // "yarn-cluster" is the master URL of Spark 1, still understood by spark-submit
        boolean cluster = d.equals("cluster") || m.equals("yarn-cluster");
        return yarn && cluster ? RETURN_OR_THROW : EXIT_CODE;
    }

    /**
     * The policy of this JVM, from the properties spark-submit sets for the driver. The ApplicationMaster sets
     * {@code spark.master=yarn}, {@code spark.submit.deployMode=cluster} and {@code spark.yarn.app.id} before it
     * starts the user class, and it is the only one that sets the last as a system property.
     */
    static ExitPolicy of(Properties props) {
        String deployMode = props.getProperty("spark.yarn.app.id") != null ? "cluster" : props.getProperty("spark.submit.deployMode");
        return of(props.getProperty("spark.master", props.getProperty("spark.yarn.app.id") != null ? "yarn" : null), deployMode);
    }
}
