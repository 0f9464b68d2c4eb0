package org.infopro.data.prep;

import java.util.List;
import java.util.Locale;

/** The IDX datasets prep-idx knows by name: they fix the label names. */
public enum IdxDataset {
    FASHION_MNIST(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
            "Ankle boot")),
    MNIST(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")),
    /** Any other IDX set: labels are named by their index, the count taken from the data. */
    IDX(List.of());

    private final List<String> labelNames;

    IdxDataset(List<String> labelNames) {
        this.labelNames = labelNames;
    }

    public List<String> labelNames() {
        return labelNames;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
