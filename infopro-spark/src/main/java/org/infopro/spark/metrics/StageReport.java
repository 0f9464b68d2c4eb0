package org.infopro.spark.metrics;

/**
 * One stage of a run: the simultaneous schedule's single stage, a sequential module, or the staggered
 * pipeline. {@code spillS}/{@code spillBytes}: writing the stage's outputs for the next one.
 */
public record StageReport(String name, double trainS, double validationS, double spillS, long spillBytes,
                          long images, double imagesPerS) {

    /** This stage with the spill that followed it. */
    public StageReport withSpill(double seconds, long bytes) {
        return new StageReport(name, trainS, validationS, seconds, bytes, images, imagesPerS);
    }
}
