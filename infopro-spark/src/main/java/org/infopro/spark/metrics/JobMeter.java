package org.infopro.spark.metrics;

import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the Spark jobs of one action moved, as Spark itself counted it: a {@code SparkListener} for the jobs this
 * thread submits between {@link #start} and {@link #close} (tagged by a local property), summing every task's
 * {@code resultSize} (the bytes of the serialised result the driver received, direct or fetched from the block
 * manager) and its shuffle bytes written and read, and keeping the stages' completion times (driver clock). Listener
 * events arrive asynchronously, so {@link #finish} waits for the jobs' end events before it sums.
 */
public final class JobMeter extends SparkListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobMeter.class);
    private static final String TAG = "infopro.jobmeter";
    private static final AtomicLong IDS = new AtomicLong();
    private static final long WAIT_MS = TimeUnit.SECONDS.toMillis(30);

    private final SparkContext sc;
    private final String tag;
    private final String previousTag;
    private final Set<Integer> jobs = new HashSet<>();
    private final Set<Integer> ended = new HashSet<>();
    private final Set<Integer> stages = new HashSet<>();
    private final Set<Integer> resultStages = new HashSet<>();
    private final Map<Integer, Long> stageDoneMs = new HashMap<>();
    private long driverBytes;
    private long shuffleWriteBytes;
    private long shuffleReadBytes;
    private int tasks;

    /**
     * The figures of the metered jobs: jobs and tasks seen, bytes the driver received as task results, shuffle bytes
     * written (map side) and read (reduce side), and {@code afterShuffleS}: from the last shuffle-map stage's end to
     * the last result stage's end (driver clock; 0 for jobs without a shuffle).
     */
    public record Figures(int jobs, int tasks, long driverBytes, long shuffleWriteBytes, long shuffleReadBytes,
                          double afterShuffleS) {
    }

    private JobMeter(SparkContext sc) {
        this.sc = sc;
        this.tag = "meter-" + IDS.incrementAndGet();
        this.previousTag = sc.getLocalProperty(TAG);
    }

    /** Meters the jobs this thread submits from now until {@link #close}. */
    public static JobMeter start(SparkContext sc) {
        JobMeter m = new JobMeter(sc);
        sc.addSparkListener(m);
        sc.setLocalProperty(TAG, m.tag);
        return m;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        Properties p = e.properties();
        if (p == null || !tag.equals(p.getProperty(TAG))) {
            return;
        }
        jobs.add(e.jobId());
        int last = -1;
        for (Object id : JavaConverters.seqAsJavaList(e.stageIds())) {
            int s = (Integer) id;
            stages.add(s);
            last = Math.max(last, s);
        }
        // a job's result stage is created after (so numbered above) the shuffle stages it depends on
        resultStages.add(last);
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        TaskMetrics m = e.taskMetrics();
        if (!stages.contains(e.stageId()) || m == null) {
            return;
        }
        tasks++;
        driverBytes += m.resultSize();
        shuffleWriteBytes += m.shuffleWriteMetrics().bytesWritten();
        shuffleReadBytes += m.shuffleReadMetrics().totalBytesRead();
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted e) {
        StageInfo s = e.stageInfo();
        if (stages.contains(s.stageId()) && s.completionTime().isDefined()) {
            stageDoneMs.merge(s.stageId(), (Long) s.completionTime().get(), Math::max);
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        if (jobs.contains(e.jobId())) {
            ended.add(e.jobId());
            notifyAll();
        }
    }

    /**
     * The figures once {@code expectedJobs} metered jobs have ended (the listener bus is asynchronous); after 30 s
     * without them, the figures seen so far, with a warning.
     */
    public synchronized Figures finish(int expectedJobs) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (ended.size() < expectedJobs) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                LOG.warn("[sync] the listener saw {} of {} jobs end within {} s; byte counts may be short", ended.size(),
                        expectedJobs, WAIT_MS / 1000);
                break;
            }
            try {
                wait(left);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long shuffleDone = 0;
        long resultDone = 0;
        for (Map.Entry<Integer, Long> s : stageDoneMs.entrySet()) {
            if (resultStages.contains(s.getKey())) {
                resultDone = Math.max(resultDone, s.getValue());
            } else {
                shuffleDone = Math.max(shuffleDone, s.getValue());
            }
        }
        double afterShuffleS = shuffleDone > 0 && resultDone > shuffleDone ? (resultDone - shuffleDone) / 1e3 : 0;
        return new Figures(ended.size(), tasks, driverBytes, shuffleWriteBytes, shuffleReadBytes, afterShuffleS);
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
        sc.setLocalProperty(TAG, previousTag);
    }
}
