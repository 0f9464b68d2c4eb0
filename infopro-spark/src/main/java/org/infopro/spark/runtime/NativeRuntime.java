package org.infopro.spark.runtime;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.infopro.data.config.Opt;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.io.Serializable;
import java.util.Locale;

/**
 * The ND4J native runtime of this JVM: thread counts, and whether convolution and batch norm really run
 * on oneDNN. Three things must hold for that: the loaded libnd4j was built with oneDNN (the
 * {@code -onednn} classifiers), DL4J's layer helpers are enabled
 * ({@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}, set in conf/jvm17.args), and DL4J's
 * helper check finds ND4J's environment (the {@code org.nd4j.nativeblas.Nd4jCpu} shim).
 */
public final class NativeRuntime {
    public static final String HELPERS_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    /** The {@code --threads} option of every job that runs ND4J in Spark tasks. */
    public static final Opt<Integer> THREADS = Opt.intIn("threads", "N", "Native (ND4J/OpenMP) threads per task: cores ÷ concurrent "
            + "tasks; default OMP_NUM_THREADS, else 1.", 1, 1, 1024).withDefault(() -> Math.min(1024, defaultThreads()));

    private NativeRuntime() {
    }

    /** What the runtime reports about oneDNN. */
    public record OneDnn(boolean builtWithOneDnn, boolean helpersEnabled, boolean dl4jCheckPasses, String backend) {
        public boolean active() {
            return builtWithOneDnn && helpersEnabled && dl4jCheckPasses;
        }

        public String describe() {
            return String.format(Locale.ROOT, "backend=%s oneDNN build=%s DL4J helpers=%s DL4J oneDNN check=%s -> %s",
                    backend, builtWithOneDnn, helpersEnabled, dl4jCheckPasses, active() ? "oneDNN active" : "oneDNN NOT active");
        }
    }

    public static OneDnn oneDnn() {
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "?");
        String build = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        boolean helpers = "false".equalsIgnoreCase(System.getProperty(HELPERS_PROPERTY, "true"));
        return new OneDnn(build != null && build.contains("HAVE_ONEDNN"), helpers, BaseMKLDNNHelper.mklDnnEnabled(), backend);
    }

    /**
     * The helper DL4J gives each layer kind that has one in our networks, by class simple name ("built-in" for
     * none), and whether libnd4j was built with cuDNN. On CUDA, cuDNN runs convolution, batch norm and pooling
     * only when libnd4j has it (nd4j-cuda-11.6 classifier linux-x86_64-cudnn) and DL4J found our helpers in
     * {@code org.deeplearning4j.cuda} (which also needs {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}).
     */
    public record LayerHelpers(String backend, boolean builtWithCudnn, String convolution, String batchNorm,
                               String subsampling) implements Serializable {
        public boolean cudnnActive() {
            return builtWithCudnn && convolution.startsWith("Cudnn") && batchNorm.startsWith("Cudnn") && subsampling.startsWith("Cudnn");
        }

        public String describe() {
            String verdict = "CUDA".equalsIgnoreCase(backend) ? (cudnnActive() ? " -> cuDNN active" : " -> cuDNN NOT active") : "";
            return String.format(Locale.ROOT, "backend=%s cuDNN build=%s helpers: convolution=%s batch norm=%s pooling=%s%s",
                    backend, builtWithCudnn, convolution, batchNorm, subsampling, verdict);
        }
    }

    /** Asks DL4J itself: builds a one-channel convolution, batch norm and max pooling and reads their helpers. */
    public static LayerHelpers layerHelpers() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(1).build())
                .layer(new BatchNormalization.Builder().nOut(1).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .setInputType(InputType.convolutional(8, 8, 1))
                .build());
        net.init();
        try {
            String build = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
            return new LayerHelpers(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "?"),
                    build != null && build.contains("HAVE_CUDNN"),
                    helperName(net.getLayer(0)), helperName(net.getLayer(1)), helperName(net.getLayer(2)));
        } finally {
            net.close();
        }
    }

    private static String helperName(Layer layer) {
        LayerHelper h = layer.getHelper();
        return h == null ? "built-in" : h.getClass().getSimpleName();
    }

    /**
     * Caps ND4J's native threads for this process. Set it to cores ÷ concurrent tasks: oversubscribed
     * OpenMP threads cost several-fold on CPU. (OMP_NUM_THREADS should match; it is read at start-up.)
     */
    public static void useThreads(int threads) {
        if (Nd4j.getEnvironment().maxThreads() != threads) {
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
        }
    }

    /** Threads to use by default: OMP_NUM_THREADS if set, else 1. */
    public static int defaultThreads() {
        String env = System.getenv("OMP_NUM_THREADS");
        try {
            return env == null ? 1 : Math.max(1, Integer.parseInt(env.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
