package org.infopro.jobs;

import org.infopro.data.config.JobSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/** Test-side view of Main's job list for tests outside this package (the Kubernetes manifest checks). */
public final class MainJobs {
    private MainJobs() {
    }

    /** Main's jobs by name, in the order of its job list. */
    public static Map<String, JobSpec<?>> byName() {
        Map<String, JobSpec<?>> out = new LinkedHashMap<>();
        Main.jobs().forEach(j -> out.put(j.name(), j));
        return out;
    }
}
