package org.infopro.spark.metrics;

/**
 * How a round's replicas were synchronised: {@code seconds} from the end of the training stage until the driver
 * held the averaged state (the reduce stage, the gather and the driver's assembly; with a single replica, the
 * driver's work on the collected state), the bytes the driver received as task results (the states or averaged
 * pieces, and the tasks' records), and the shuffle bytes written. {@link #NONE} for a round whose states are not
 * averaged (the staggered schedule's waves).
 */
public record RoundSync(boolean averaged, double seconds, long driverBytes, long shuffleBytes) {
    public static final RoundSync NONE = new RoundSync(false, 0, 0, 0);

    public static RoundSync averaged(double seconds, long driverBytes, long shuffleBytes) {
        return new RoundSync(true, seconds, driverBytes, shuffleBytes);
    }
}
