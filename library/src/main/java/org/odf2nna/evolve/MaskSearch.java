package org.odf2nna.evolve;

import org.odf2nna.network.DenseNetwork;

/** What a mask's bits stand for, and how a mask becomes the smaller network. */
public sealed interface MaskSearch permits UnitSearch, FeatureSearch {

    /** The network searched. */
    DenseNetwork network();

    /** How the bits are grouped (one segment per searched layer, or one of input features). */
    MaskLayout layout();

    /** The smaller network a mask describes, every dropped unit or input folded in as its mean. */
    DenseNetwork apply(Mask mask);

    /**
     * The first layer (0-based) whose weights a mask can change; the layers before it stay exactly as they
     * are, so their outputs can be computed once.
     */
    int firstChangedLayer();
}
