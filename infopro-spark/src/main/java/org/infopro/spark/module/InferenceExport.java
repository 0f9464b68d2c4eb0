package org.infopro.spark.module;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.infopro.data.io.Fs;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.Trunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Exports trained InfoPro modules as one inference network: the trunk segments of all modules joined in
 * order, plus the last module's pooling and classifier, without any auxiliary head (decoders, auxiliary
 * classifiers). Layer names are the same in a module and in the whole network, so parameters (including
 * batch-norm statistics) are copied by name. The result is an ordinary DL4J model file.
 */
public final class InferenceExport {
    private InferenceExport() {
    }

    /** The whole network with the modules' trained parameters. */
    public static ComputationGraph export(ModuleStack stack, ModuleStack.Setup setup) {
        Trunk spec = setup.spec();
        ModulePlan whole = ModulePlan.plan(spec, List.of(), new LambdaSchedule(0, 0, 0, 0)).get(0);
        ComputationGraph net = spec.networks(setup.hyper(), HeadSpec.of(LossMode.E2E, setup.head().auxNet())).build(whole);
        for (Layer target : net.getLayers()) {
            String name = target.conf().getLayer().getLayerName();
            if (target.numParams() == 0) {
                continue;
            }
            Layer source = null;
            for (LocalModule m : stack.modules()) {
                if (m.network().getVertex(name) != null) {
                    source = m.network().getLayer(name);
                }
            }
            if (source == null || source.numParams() != target.numParams()) {
                throw new IllegalStateException("layer " + name + " of the whole network has no counterpart in the modules");
            }
            target.setParams(source.params().dup());
        }
        return net;
    }

    /** Writes the inference network (no updater state) to any Hadoop FileSystem path. */
    public static void write(ComputationGraph net, Path path, Configuration conf) {
        FileSystem fs = Fs.of(path, conf);
        try (FSDataOutputStream out = fs.create(path, true)) {
            ModelSerializer.writeModel(net, out, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    public static ComputationGraph read(Path path, Configuration conf) {
        try (FSDataInputStream in = Fs.of(path, conf).open(path)) {
            return ModelSerializer.restoreComputationGraph(in, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
