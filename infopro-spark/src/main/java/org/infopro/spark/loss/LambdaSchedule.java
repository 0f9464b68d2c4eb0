package org.infopro.spark.loss;

import org.infopro.data.config.ConfigException;

import java.io.Serializable;

/**
 * InfoPro's loss weights per local module (Wang et al., ICLR 2021, official code's ixx/ixy flags):
 * λ1 (reconstruction, "ixx") and λ2 (task, "ixy") are given for the first and the last local module and
 * interpolated linearly in between: for local module i = 0..K−2, r = i/(K−2) (0 when K = 2), and
 * λ1 = ixx1·(1−r) + ixx2·r, λ2 = ixy1·(1−r) + ixy2·r. Module K always trains on plain cross-entropy.
 */
public record LambdaSchedule(double ixx1, double ixy1, double ixx2, double ixy2) implements Serializable {

    /** The pair of weights of one local module. */
    public record Weights(double reconstruction, double task) implements Serializable {
    }

    public LambdaSchedule {
        for (double v : new double[]{ixx1, ixy1, ixx2, ixy2}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new ConfigException("λ weights must be finite and >= 0; got (" + ixx1 + ", " + ixy1 + ", " + ixx2 + ", " + ixy2 + ").");
            }
        }
    }

    /** Parses {@code "ixx1,ixy1,ixx2,ixy2"}. */
    public static LambdaSchedule parse(String text) {
        String[] p = text.trim().split("\\s*,\\s*");
        if (p.length != 4) {
            throw new ConfigException("--lambda '" + text + "' must be four numbers 'ixx1,ixy1,ixx2,ixy2' (for example '5,1,0,0').");
        }
        try {
            return new LambdaSchedule(Double.parseDouble(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]),
                    Double.parseDouble(p[3]));
        } catch (NumberFormatException e) {
            throw new ConfigException("--lambda '" + text + "' must be four numbers 'ixx1,ixy1,ixx2,ixy2' (for example '5,1,0,0').");
        }
    }

    /** Weights of local module {@code i} (0-based) in a network of {@code k} modules; i < k−1. */
    public Weights forModule(int i, int k) {
        if (i < 0 || i >= k - 1) {
            throw new IllegalArgumentException("local module " + i + " does not exist when K = " + k);
        }
        double r = k > 2 ? (double) i / (k - 2) : 0.0;
        return new Weights(ixx1 * (1 - r) + ixx2 * r, ixy1 * (1 - r) + ixy2 * r);
    }
}
