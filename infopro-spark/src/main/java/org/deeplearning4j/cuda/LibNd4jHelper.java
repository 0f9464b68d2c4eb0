package org.deeplearning4j.cuda;

import org.deeplearning4j.nn.layers.LayerHelper;

import java.util.Map;

/**
 * What the three helpers share as DL4J layer helpers: they never remove themselves, since libnd4j's ops run on
 * every backend (on the cuDNN build, on cuDNN), and they hold no memory of their own for DL4J to report.
 */
public abstract class LibNd4jHelper implements LayerHelper {

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }
}
