package org.infopro.spark.bench;

import java.util.Arrays;

/**
 * When warm-up ends: after step i (1-based) once i >= 2·window and the median step time of the last
 * {@code window} steps is no more than {@code tolerance} below the median of the {@code window} steps before
 * them (the step time has stopped falling), or after {@code maxSteps} steps whatever the times. The PyTorch side
 * of the step benchmark (submit/bench/step_torch.py) applies the same rule.
 */
public record SteadyState(int window, int maxSteps, double tolerance) {

    public SteadyState {
        if (window < 0 || maxSteps < 1 || !(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("SteadyState(window=" + window + ", maxSteps=" + maxSteps + ", tolerance=" + tolerance
                    + "): needs window >= 0, maxSteps >= 1, 0 <= tolerance < 1");
        }
    }

    /** Exactly {@code steps} warm-up steps, never judged steady. */
    public static SteadyState fixed(int steps) {
        return new SteadyState(0, steps, 0);
    }

    /** True when the first {@code count} step times {@code seconds} show a steady state. */
    public boolean reached(double[] seconds, int count) {
        if (window == 0 || count < 2 * window) {
            return false;
        }
        double recent = median(seconds, count - window, count);
        double before = median(seconds, count - 2 * window, count - window);
        return recent >= (1 - tolerance) * before;
    }

    /** True when warm-up stops after {@code count} steps: steady, or at the maximum. */
    public boolean done(double[] seconds, int count) {
        return count >= maxSteps || reached(seconds, count);
    }

    static double median(double[] a, int from, int to) {
        double[] s = Arrays.copyOfRange(a, from, to);
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
