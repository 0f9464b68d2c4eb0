package org.infopro.data.rehearsal;

import org.infopro.data.config.ConfigException;

import java.util.List;
import java.util.Locale;

/**
 * The classes of a made-up ILSVRC tree: {@code perLabel} wnids for each source label, class {@code j} belonging to
 * label {@code j / perLabel}. The wnids look like WordNet noun offsets ({@code n} + 8 digits) but are invented:
 * evenly spaced over the range real ImageNet uses, with a fixed jitter so that they do not look generated, and
 * strictly ascending in class order, so prep-imagenet's sorted-wnid numbering gives class {@code j} index {@code j}
 * (with one wnid per label, index = the source label).
 */
public record WnidPlan(List<String> labelNames, int perLabel) {
    /** Real ILSVRC-2012 offsets run from 01440764 to 15075141; ours stay in [FIRST, FIRST + SPAN). */
    private static final long FIRST = 1_000_000L;
    private static final long SPAN = 14_000_000L;

    public WnidPlan {
        labelNames = List.copyOf(labelNames);
        if (labelNames.isEmpty() || perLabel < 1 || (long) labelNames.size() * perLabel > SPAN / 2) {
            throw new IllegalArgumentException(labelNames.size() + " labels x " + perLabel + " wnids per label");
        }
    }

    /** The plan for {@code classes} wnids over {@code labelNames}; {@code classes} must be a multiple of the label count. */
    public static WnidPlan of(String job, int classes, List<String> labelNames) {
        int labels = labelNames.size();
        if (classes % labels != 0) {
            throw new ConfigException(job + ": invalid --classes " + classes + ": expected a multiple of the " + labels
                    + " labels (--label-names), so that every label gets the same number of wnids, such as " + labels + " or "
                    + labels * Math.max(2, Math.round((float) classes / labels)) + ".");
        }
        return new WnidPlan(labelNames, classes / labels);
    }

    public int classes() {
        return labelNames.size() * perLabel;
    }

    /** The wnid of class {@code j}: ascending in {@code j}. */
    public String wnid(int j) {
        long step = SPAN / classes();
        long jitter = Math.floorMod(mix(j), Math.max(1, step / 2));
        return String.format(Locale.ROOT, "n%08d", FIRST + j * step + jitter);
    }

    /** The source label class {@code j} shows. */
    public int label(int j) {
        return j / perLabel;
    }

    /** The class of the {@code k}-th image (0-based, in record order) of {@code label}: round robin over its wnids. */
    public int classOf(int label, int k) {
        return label * perLabel + k % perLabel;
    }

    /** The words LOC_synset_mapping.txt gives class {@code j}: its label's name (several wnids may share it, as in ImageNet). */
    public String words(int j) {
        return labelNames.get(label(j));
    }

    private static long mix(long x) {
        long z = x * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
