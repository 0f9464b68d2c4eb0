package org.infopro.spark.loss;

import java.util.Locale;

/** What the local modules optimise (InfoPro, Wang et al. 2021, and the baselines it compares with). */
public enum LossMode {
    /** End-to-end training: one module (K = 1), plain cross-entropy. */
    E2E,
    /** Greedy supervised learning: every local module trains on cross-entropy of a {@code 0c1f} head only. */
    GREEDY,
    /** InfoPro (Softmax): λ1·BCE reconstruction + λ2·cross-entropy of the auxiliary classifier. */
    INFOPRO_SOFTMAX,
    /** InfoPro (Contrast): λ1·BCE reconstruction + λ2·supervised contrastive loss of a 128-d projection. */
    INFOPRO_CONTRAST;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True when the local modules' loss is weighted by --lambda (the InfoPro losses; greedy is CE only, E2E has none). */
    public boolean weighsLambda() {
        return this == INFOPRO_SOFTMAX || this == INFOPRO_CONTRAST;
    }

    public boolean contrastive() {
        return this == INFOPRO_CONTRAST;
    }
}
