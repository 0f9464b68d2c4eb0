package org.infopro.spark.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Batch norm's per-channel passes over a float NCHW tensor, in Java on the tensor's native memory. The tensor is
 * read as N·C rows of H·W contiguous elements; each row is copied into a small array that stays in the L1 cache,
 * and the loops over it are plain float loops that HotSpot vectorises or unrolls.
 *
 * <p>These replace libnd4j ops that are slow for this shape. Per call on 128×16×32×32 with one thread, against the
 * ops that {@link ChannelBatchNormHelper} ran before ({@code ChannelKernelsBench}, {@code docs/results/batchnorm-kernels.md}):
 * <ul>
 *   <li>statistics: 1.8 ms, against 2.9 ms for libnd4j's {@code moments};</li>
 *   <li>scale and shift: 1.0 ms, against 3.3 ms for oneDNN's plain-layout batch norm ({@code ncsp_bnorm});</li>
 *   <li>Σg and Σg·x in one pass: 2.5 ms, against 5.0 ms for a multiply and two sums;</li>
 *   <li>the backward's {@code a·g + b·x + c}: 1.7 ms, against 7.5 ms for two oneDNN scale-and-shifts and an add.</li>
 * </ul>
 * Folding rows onto lane accumulators (element-wise adds) and copying several rows at once were tried and measured
 * slower on this machine (statistics 2.6 against 1.8 ms, sums 3.0 against 2.5 ms, the backward map 2.0 against
 * 1.7 ms), so each row is one copy and one pass.
 *
 * <p>Work is split over the batch into as many parts as ND4J has threads; partial sums are combined in part order,
 * so a result depends on the thread count but never on scheduling.
 */
final class ChannelKernels {
    /** Rows shorter than this stay on libnd4j's ops, where the per-row overhead here would dominate. */
    static final int MIN_ROW = 16;

    private ChannelKernels() {
    }

    /** Whether {@code a} is a float [N, C, H, W] tensor these kernels read: dense, C order, rows of ≥ MIN_ROW. */
    static boolean supports(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.rank() == 4 && a.ordering() == 'c' && !a.isView()
                && a.offset() == 0 && a.data().offset() == 0 && Shape.hasDefaultStridesForShape(a)
                && a.size(2) * a.size(3) >= MIN_ROW && a.length() <= Integer.MAX_VALUE;
    }

    /** Per-channel mean and biased variance of {@code x}, each row's own statistics merged as Chan et al. do. */
    static void moments(INDArray x, double[] mean, double[] var) {
        Rows r = new Rows(x);
        double[][] parts = r.parallel((n0, n1) -> {
            double[] stats = new double[2 * r.c]; // mean, M2 per channel over the rows seen so far
            float[] row = new float[r.s];
            FloatBuffer in = x.data().asNioFloat();
            for (int n = n0; n < n1; n++) {
                for (int ch = 0; ch < r.c; ch++) {
                    in.get(r.offset(n, ch), row, 0, r.s);
                    double rowMean = sum(row, r.s) / r.s;
                    float m = (float) rowMean;
                    double rowM2 = squaredDeviations(row, r.s, m) - r.s * (rowMean - m) * (rowMean - m);
                    merge(stats, ch, (double) (n - n0) * r.s, rowMean, rowM2, r.s);
                }
            }
            return stats;
        });
        double[] total = parts[0];
        double seen = (double) partRows(r.n, parts.length, 0) * r.s;
        for (int p = 1; p < parts.length; p++) {
            double rows = (double) partRows(r.n, parts.length, p) * r.s;
            for (int ch = 0; ch < r.c; ch++) {
                merge(total, ch, seen, parts[p][2 * ch], parts[p][2 * ch + 1], rows);
            }
            seen += rows;
        }
        for (int ch = 0; ch < r.c; ch++) {
            mean[ch] = total[2 * ch];
            var[ch] = total[2 * ch + 1] / seen;
        }
    }

    /** {@code out = scale[c]·in + shift[c]}; {@code out} may be {@code in}. */
    static void scaleShift(INDArray in, float[] scale, float[] shift, INDArray out) {
        Rows r = new Rows(in);
        r.parallel((n0, n1) -> {
            float[] row = new float[r.s];
            FloatBuffer src = in.data().asNioFloat();
            FloatBuffer dst = out.data().asNioFloat();
            for (int n = n0; n < n1; n++) {
                for (int ch = 0; ch < r.c; ch++) {
                    int off = r.offset(n, ch);
                    float a = scale[ch];
                    float b = shift[ch];
                    src.get(off, row, 0, r.s);
                    for (int k = 0; k < r.s; k++) {
                        row[k] = a * row[k] + b;
                    }
                    dst.put(off, row, 0, r.s);
                }
            }
            return null;
        });
    }

    /** Per-channel Σg into {@code sumG} and Σg·z into {@code sumGz}. */
    static void sums(INDArray g, INDArray z, double[] sumG, double[] sumGz) {
        Rows r = new Rows(g);
        double[][] parts = r.parallel((n0, n1) -> {
            double[] acc = new double[2 * r.c];
            float[] rowG = new float[r.s];
            float[] rowZ = new float[r.s];
            FloatBuffer bg = g.data().asNioFloat();
            FloatBuffer bz = z.data().asNioFloat();
            for (int n = n0; n < n1; n++) {
                for (int ch = 0; ch < r.c; ch++) {
                    int off = r.offset(n, ch);
                    bg.get(off, rowG, 0, r.s);
                    bz.get(off, rowZ, 0, r.s);
                    acc[2 * ch] += sum(rowG, r.s);
                    acc[2 * ch + 1] += dot(rowG, rowZ, r.s);
                }
            }
            return acc;
        });
        for (int ch = 0; ch < r.c; ch++) {
            double s = 0;
            double sz = 0;
            for (double[] part : parts) {
                s += part[2 * ch];
                sz += part[2 * ch + 1];
            }
            sumG[ch] = s;
            sumGz[ch] = sz;
        }
    }

    /** {@code out = a[c]·g + b[c]·z + c[c]}; {@code out} may be {@code g}. */
    static void combine(INDArray g, INDArray z, float[] a, float[] b, float[] c, INDArray out) {
        Rows r = new Rows(g);
        r.parallel((n0, n1) -> {
            float[] rowG = new float[r.s];
            float[] rowZ = new float[r.s];
            FloatBuffer bg = g.data().asNioFloat();
            FloatBuffer bz = z.data().asNioFloat();
            FloatBuffer dst = out.data().asNioFloat();
            for (int n = n0; n < n1; n++) {
                for (int ch = 0; ch < r.c; ch++) {
                    int off = r.offset(n, ch);
                    float x = a[ch];
                    float y = b[ch];
                    float w = c[ch];
                    bg.get(off, rowG, 0, r.s);
                    bz.get(off, rowZ, 0, r.s);
                    for (int k = 0; k < r.s; k++) {
                        rowG[k] = x * rowG[k] + y * rowZ[k] + w;
                    }
                    dst.put(off, rowG, 0, r.s);
                }
            }
            return null;
        });
    }

    /** Eight partial sums break the dependency chain of one accumulator (HotSpot keeps float sums in order). */
    private static double sum(float[] v, int len) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int k = 0;
        for (; k + 8 <= len; k += 8) {
            s0 += v[k];
            s1 += v[k + 1];
            s2 += v[k + 2];
            s3 += v[k + 3];
            s4 += v[k + 4];
            s5 += v[k + 5];
            s6 += v[k + 6];
            s7 += v[k + 7];
        }
        for (; k < len; k++) {
            s0 += v[k];
        }
        return ((double) s0 + s1 + s2 + s3) + ((double) s4 + s5 + s6 + s7);
    }

    private static double dot(float[] u, float[] v, int len) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int k = 0;
        for (; k + 8 <= len; k += 8) {
            s0 += u[k] * v[k];
            s1 += u[k + 1] * v[k + 1];
            s2 += u[k + 2] * v[k + 2];
            s3 += u[k + 3] * v[k + 3];
            s4 += u[k + 4] * v[k + 4];
            s5 += u[k + 5] * v[k + 5];
            s6 += u[k + 6] * v[k + 6];
            s7 += u[k + 7] * v[k + 7];
        }
        for (; k < len; k++) {
            s0 += u[k] * v[k];
        }
        return ((double) s0 + s1 + s2 + s3) + ((double) s4 + s5 + s6 + s7);
    }

    /** Σ(v − m)² around the row's mean rounded to float; the caller corrects for that rounding. */
    private static double squaredDeviations(float[] v, int len, float m) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 4 <= len; k += 4) {
            float d0 = v[k] - m;
            float d1 = v[k + 1] - m;
            float d2 = v[k + 2] - m;
            float d3 = v[k + 3] - m;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; k < len; k++) {
            float d = v[k] - m;
            s0 += d * d;
        }
        return ((double) s0 + s1) + ((double) s2 + s3);
    }

    /**
     * Merges a group of {@code countB} values with mean {@code meanB} and squared deviations {@code m2B} into
     * channel {@code ch} of {@code stats} (mean, M2), which holds {@code countA} values so far.
     */
    private static void merge(double[] stats, int ch, double countA, double meanB, double m2B, double countB) {
        double count = countA + countB;
        double delta = meanB - stats[2 * ch];
        stats[2 * ch] += delta * countB / count;
        stats[2 * ch + 1] += m2B + delta * delta * countA * countB / count;
    }

    private static int partRows(int n, int parts, int p) {
        return (int) ((long) n * (p + 1) / parts - (long) n * p / parts);
    }

    /** The row geometry of one tensor, and the split of its batch over ND4J's threads. */
    private static final class Rows {
        final int n;
        final int c;
        final int s;

        Rows(INDArray a) {
            n = (int) a.size(0);
            c = (int) a.size(1);
            s = (int) (a.size(2) * a.size(3));
        }

        int offset(int sample, int channel) {
            return (sample * c + channel) * s;
        }

        /** Runs {@code body} on consecutive batch ranges, one per part; returns the parts' results in order. */
        double[][] parallel(RangeBody body) {
            int parts = Math.max(1, Math.min(n, Nd4j.getEnvironment().maxThreads()));
            double[][] out = new double[parts][];
            if (parts == 1) {
                out[0] = body.run(0, n);
            } else {
                IntStream.range(0, parts).parallel().forEach(p ->
                        out[p] = body.run((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts)));
            }
            return out;
        }
    }

    @FunctionalInterface
    private interface RangeBody {
        double[] run(int n0, int n1);
    }
}
