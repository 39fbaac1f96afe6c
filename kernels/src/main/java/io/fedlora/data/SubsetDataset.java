package io.fedlora.data;

import java.util.Objects;

/** A dataset restricted to some of another's examples, by index. */
final class SubsetDataset implements Dataset {

    private final Dataset parent;
    private final int[] indices;

    SubsetDataset(Dataset parent, int[] indices) {
        this.parent = Objects.requireNonNull(parent);
        for (int i : indices) {
            Objects.checkIndex(i, parent.size());
        }
        this.indices = indices.clone();
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Batch batch(int[] local) {
        int[] global = new int[local.length];
        for (int k = 0; k < local.length; k++) {
            global[k] = indices[local[k]];
        }
        return parent.batch(global);
    }

    @Override
    public int numClasses() {
        return parent.numClasses();
    }

    @Override
    public int label(int i) {
        return parent.label(indices[i]);
    }
}
