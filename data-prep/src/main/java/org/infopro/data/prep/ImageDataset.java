package org.infopro.data.prep;

import org.infopro.data.prep.ImagePrepConfig.Storage;

import java.util.List;

/** The image datasets the prep jobs read, each with its job name, splits and input layout. */
public enum ImageDataset {
    IMAGENET("prep-imagenet", "imagenet", List.of("train", "val"), List.of("train", "val"), Storage.ENCODED,
            "ILSVRC-2012 root: train/<wnid>/*.JPEG and val/ (flat with LOC_val_solution.csv or the devkit, or "
                    + "val/<wnid>/), with LOC_synset_mapping.txt or the devkit; ILSVRC/Data/CLS-LOC/ inside is found too.",
            "Shards ILSVRC-2012 (ImageNet-1k) into Parquet: classes by sorted wnid (0-based), names from\n"
                    + "LOC_synset_mapping.txt or the devkit's meta.mat, validation labels from LOC_val_solution.csv or the\n"
                    + "devkit ground truth (mapped through wnids: the devkit's own class ids are NOT sorted-wnid order)."),
    CITYSCAPES("prep-cityscapes", "cityscapes", List.of("train", "val", "test"), List.of("train", "val"), Storage.ENCODED,
            "Cityscapes root with leftImg8bit/{split}/{city}/*_leftImg8bit.png and gtFine/{split}/{city}/*_gtFine_labelIds.png.",
            "Shards Cityscapes fine annotations into Parquet: each leftImg8bit frame with its gtFine labelIds mask\n"
                    + "mapped to the 19 trainIds (255 = ignore), city and frame ids as columns. Test-split masks are not\n"
                    + "labels and are not stored."),
    CIFAR10("prep-cifar10", "cifar10", List.of("train", "test"), List.of("train", "test"), Storage.RAW,
            "CIFAR-10 binary version: data_batch_{1..5}.bin, test_batch.bin, batches.meta.txt (or cifar-10-batches-bin/ inside).",
            "Shards the CIFAR-10 binary batches into Parquet (32x32 RGB)."),
    SVHN("prep-svhn", "svhn", List.of("train", "test", "extra"), List.of("train", "test"), Storage.RAW,
            "SVHN cropped digits (format 2): train_32x32.mat, test_32x32.mat[, extra_32x32.mat].",
            "Shards SVHN cropped digits into Parquet (32x32 RGB; the .mat label 10 is digit 0)."),
    STL10("prep-stl10", "stl10", List.of("train", "test", "unlabeled"), List.of("train", "test"), Storage.RAW,
            "STL-10 binary: train_X.bin, train_y.bin, test_X.bin, test_y.bin, class_names.txt[, unlabeled_X.bin] (or stl10_binary/ inside).",
            "Shards STL-10 binary files into Parquet (96x96 RGB; the files are column-major, labels 1..10 become 0..9).");

    private final String job;
    private final String label;
    private final List<String> splits;
    private final List<String> defaultSplits;
    private final Storage defaultStorage;
    private final String inputDoc;
    private final String summary;

    ImageDataset(String job, String label, List<String> splits, List<String> defaultSplits, Storage defaultStorage,
                 String inputDoc, String summary) {
        this.job = job;
        this.label = label;
        this.splits = splits;
        this.defaultSplits = defaultSplits;
        this.defaultStorage = defaultStorage;
        this.inputDoc = inputDoc;
        this.summary = summary;
    }

    public String job() {
        return job;
    }

    public String label() {
        return label;
    }

    public List<String> splits() {
        return splits;
    }

    public List<String> defaultSplits() {
        return defaultSplits;
    }

    public Storage defaultStorage() {
        return defaultStorage;
    }

    public String inputDoc() {
        return inputDoc;
    }

    /** One line for the job list. */
    public String title() {
        return "Shard " + switch (this) {
            case IMAGENET -> "ImageNet (ILSVRC-2012, either layout)";
            case CITYSCAPES -> "Cityscapes (leftImg8bit + gtFine trainIds)";
            case CIFAR10 -> "CIFAR-10 binary batches";
            case SVHN -> "SVHN cropped digits (.mat)";
            case STL10 -> "STL-10 binary files";
        } + " into Parquet.";
    }

    public String summary() {
        return summary;
    }
}
